package dev.iobuf.files;

import dev.iobuf.internal.Libc;

import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/** {@code open(2)} flags from Java open options, with the JDK's rules for combining them. */
final class OpenFlags {
    // the flags libc's binding already names, under the names this package uses
    static final int O_RDONLY = Libc.O_RDONLY;
    static final int O_WRONLY = Libc.O_WRONLY;
    static final int O_RDWR = Libc.O_RDWR;
    static final int O_CREAT = Libc.O_CREAT;
    static final int O_TRUNC = Libc.O_TRUNC;
    static final int O_DIRECT = Libc.O_DIRECT;
    static final int O_CLOEXEC = Libc.O_CLOEXEC;
    // and those only files need (x86-64 values, as Libc's are)
    static final int O_EXCL = 0x80;
    static final int O_APPEND = 0x400;
    static final int O_DSYNC = 0x1000;
    static final int O_DIRECTORY = 0x10000;
    static final int O_NOFOLLOW = 0x20000;
    static final int O_NOATIME = 0x40000;
    static final int O_SYNC = 0x101000;
    /** The mode of a created file before the umask, as {@code FileChannel.open} uses. */
    static final int CREATE_MODE = 0666;

    private OpenFlags() {
    }

    /**
     * The flags for {@code options}: READ when neither READ, WRITE nor APPEND is given; CREATE and
     * TRUNCATE_EXISTING only count with WRITE or APPEND, as for {@code FileChannel.open}.
     *
     * @throws UnsupportedOperationException for DELETE_ON_CLOSE or an option of another provider
     * @throws IllegalArgumentException      for READ with APPEND, or APPEND with TRUNCATE_EXISTING
     */
    static int of(Set<? extends OpenOption> options) {
        boolean read = options.contains(StandardOpenOption.READ);
        boolean append = options.contains(StandardOpenOption.APPEND);
        boolean write = options.contains(StandardOpenOption.WRITE) || append;
        if (read && append) {
            throw new IllegalArgumentException("READ + APPEND not allowed");
        }
        if (append && options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
            throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
        }
        int flags = O_CLOEXEC | (write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY);
        for (OpenOption o : options) {
            if (o instanceof StandardOpenOption s) {
                switch (s) {
                    case READ, WRITE, SPARSE -> { }
                    case APPEND -> flags |= O_APPEND;
                    case CREATE -> flags |= write ? O_CREAT : 0;
                    case CREATE_NEW -> flags |= write ? O_CREAT | O_EXCL : 0;
                    case TRUNCATE_EXISTING -> flags |= write ? O_TRUNC : 0;
                    case DSYNC -> flags |= O_DSYNC;
                    case SYNC -> flags |= O_SYNC;
                    case DELETE_ON_CLOSE -> throw new UnsupportedOperationException(
                            "DELETE_ON_CLOSE is not supported; unlink the file after close");
                }
            } else if (o instanceof FileOption f) {
                switch (f) {
                    case DIRECT -> flags |= O_DIRECT;
                    case NOATIME -> flags |= O_NOATIME;
                    case FIXED_FILE -> { }
                }
            } else if (o == LinkOption.NOFOLLOW_LINKS) {
                flags |= O_NOFOLLOW;
            } else if (o == null) {
                throw new NullPointerException("an open option is null");
            } else {
                throw new UnsupportedOperationException("open option " + o + " is not supported");
            }
        }
        return flags;
    }

    /** A short text for messages: "read-only", "write", "read-write", plus DIRECT. */
    static String describe(int flags) {
        String access = switch (flags & 3) {
            case O_RDONLY -> "read-only";
            case O_WRONLY -> "write-only";
            default -> "read-write";
        };
        return (flags & O_DIRECT) != 0 ? access + ", O_DIRECT" : access;
    }
}
