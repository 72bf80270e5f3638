package dev.iobuf.files;

import dev.iobuf.uring.Errno;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/** The exceptions of the blocking style: the JDK's own types where one fits, naming file and call. */
final class FileErrors {
    private FileErrors() {
    }

    /**
     * The exception for {@code call} on {@code path} failing with {@code res} ({@code -errno}):
     * e.g. {@code NoSuchFileException: /data/x: open (read-only): ENOENT (no such file or directory)}.
     */
    static IOException exception(String call, Path path, String detail, int res) {
        String file = String.valueOf(path);
        String reason = call + (detail == null ? "" : " (" + detail + ")") + ": " + Errno.describe(res);
        return switch (-res) {
            case Errno.ENOENT -> new NoSuchFileException(file, null, reason);
            case Errno.EEXIST -> new FileAlreadyExistsException(file, null, reason);
            case Errno.EACCES, Errno.EPERM -> new AccessDeniedException(file, null, reason);
            case Errno.ENOTDIR -> new NotDirectoryException(file + ": " + reason);
            case Errno.ENOTEMPTY -> new DirectoryNotEmptyException(file + ": " + reason);
            default -> new FileSystemException(file, null, reason);
        };
    }

    /** Like {@link #exception(String, Path, String, int)} for a call on two paths (rename, link). */
    static IOException exception(String call, Path from, Path to, int res) {
        String reason = call + ": " + Errno.describe(res);
        return switch (-res) {
            case Errno.ENOENT -> new NoSuchFileException(String.valueOf(from), String.valueOf(to), reason);
            case Errno.EEXIST -> new FileAlreadyExistsException(String.valueOf(from), String.valueOf(to), reason);
            case Errno.EACCES, Errno.EPERM -> new AccessDeniedException(String.valueOf(from), String.valueOf(to), reason);
            case Errno.ENOTEMPTY -> new DirectoryNotEmptyException(to + ": " + reason);
            default -> new FileSystemException(String.valueOf(from), String.valueOf(to), reason);
        };
    }
}
