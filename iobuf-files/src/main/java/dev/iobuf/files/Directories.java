package dev.iobuf.files;

import dev.iobuf.uring.OpFlags;
import dev.iobuf.uring.Sqe;
import dev.iobuf.uring.reactor.CompletionHandler;
import dev.iobuf.uring.reactor.EventLoop;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Directory-level calls through an event loop's ring, blocking like {@link BlockingFile}: create a
 * directory, rename, delete, and fsync a directory (which makes a create or rename in it durable).
 *
 * <pre>{@code
 * Directories.rename(loop, tmp, target);   // atomic replace
 * Directories.sync(loop, target.getParent());
 * }</pre>
 *
 * <p>Failures throw the JDK's exceptions where one fits
 * ({@link java.nio.file.NoSuchFileException}, {@link java.nio.file.FileAlreadyExistsException},
 * {@link java.nio.file.DirectoryNotEmptyException}...), naming the paths and the call.
 */
public final class Directories {
    private static final int O_DIRECTORY_RDONLY = OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC;

    private Directories() {
    }

    /** Creates directory {@code dir} ({@code mkdirat}, mode 0777 before the umask); its parent must exist. */
    public static void create(EventLoop loop, Path dir) throws IOException {
        check(new PathCall(loop, PathCall.MKDIR, dir, null).call(loop), "mkdir", dir, null);
    }

    /**
     * Renames {@code from} to {@code to} ({@code renameat}), replacing {@code to} if it exists
     * (atomically, as {@code rename(2)} does); {@link #sync} the parent to make it durable.
     */
    public static void rename(EventLoop loop, Path from, Path to) throws IOException {
        check(new PathCall(loop, PathCall.RENAME, from, to).call(loop), "rename", from, to);
    }

    /** Renames {@code from} to {@code to}, failing with {@link java.nio.file.FileAlreadyExistsException} if {@code to} exists. */
    public static void renameNoReplace(EventLoop loop, Path from, Path to) throws IOException {
        check(new PathCall(loop, PathCall.RENAME_NOREPLACE, from, to).call(loop), "rename (no replace)", from, to);
    }

    /** Deletes the file {@code path} ({@code unlinkat}). */
    public static void delete(EventLoop loop, Path path) throws IOException {
        check(new PathCall(loop, PathCall.UNLINK, path, null).call(loop), "unlink", path, null);
    }

    /** Deletes the empty directory {@code dir} ({@code unlinkat} with {@code AT_REMOVEDIR}). */
    public static void deleteDirectory(EventLoop loop, Path dir) throws IOException {
        check(new PathCall(loop, PathCall.RMDIR, dir, null).call(loop), "rmdir", dir, null);
    }

    /**
     * {@code fsync} of directory {@code dir}: the names created, renamed or deleted in it reach
     * the device (a new file's data needs the file's own fsync as well).
     */
    public static void sync(EventLoop loop, Path dir) throws IOException {
        check(new PathCall(loop, PathCall.SYNC, dir, null).call(loop), "fsync of directory", dir, null);
    }

    private static void check(int res, String call, Path a, Path b) throws IOException {
        if (res < 0) {
            throw b == null ? FileErrors.exception(call, a, (String) null, res) : FileErrors.exception(call, a, b, res);
        }
    }

    /**
     * One call on the loop: its paths live in a confined arena of the loop thread, its completions
     * come to a loop slot of its own; both are given back when it ends. A directory sync is three
     * steps (open, fsync, close), each queued when the one before completed.
     */
    private static final class PathCall extends LoopCall implements CompletionHandler {
        static final int MKDIR = 0, RENAME = 1, RENAME_NOREPLACE = 2, UNLINK = 3, RMDIR = 4, SYNC = 5;
        private static final int STEP_MAIN = 0, STEP_FSYNC = 1, STEP_CLOSE = 2;

        private final EventLoop loop;
        private final int kind;
        private final Path a;
        private final Path b;
        private Arena arena;
        private int slot;
        private int dirFd;
        private int syncResult;

        PathCall(EventLoop loop, int kind, Path a, Path b) {
            this.loop = loop;
            this.kind = kind;
            this.a = a.toAbsolutePath();
            this.b = b == null ? null : b.toAbsolutePath();
        }

        @Override
        void start() {
            arena = Arena.ofConfined();
            try {
                MemorySegment pa = arena.allocateFrom(a.toString());
                MemorySegment pb = b == null ? null : arena.allocateFrom(b.toString());
                slot = loop.register(this);
                Sqe s = loop.sqe();
                switch (kind) {
                    case MKDIR -> s.mkdirat(Sqe.AT_FDCWD, pa.address(), 0777);
                    case RENAME -> s.renameat(Sqe.AT_FDCWD, pa.address(), Sqe.AT_FDCWD, pb.address(), 0);
                    case RENAME_NOREPLACE -> s.renameat(Sqe.AT_FDCWD, pa.address(), Sqe.AT_FDCWD, pb.address(), OpFlags.RENAME_NOREPLACE);
                    case UNLINK -> s.unlinkat(Sqe.AT_FDCWD, pa.address(), 0);
                    case RMDIR -> s.unlinkat(Sqe.AT_FDCWD, pa.address(), OpFlags.AT_REMOVEDIR);
                    case SYNC -> s.openat(Sqe.AT_FDCWD, pa.address(), O_DIRECTORY_RDONLY, 0);
                    default -> throw new IllegalStateException("call " + kind);
                }
                s.userData(EventLoop.userData(slot, STEP_MAIN));
            } catch (RuntimeException e) {
                end();
                throw e;
            }
        }

        @Override
        public void onCompletion(int step, int res, int flags) {
            if (kind == SYNC && step == STEP_MAIN && res >= 0) {
                dirFd = res;
                loop.sqe().fsync(dirFd, 0).userData(EventLoop.userData(slot, STEP_FSYNC));
                return;
            }
            if (step == STEP_FSYNC) {
                syncResult = res;
                loop.sqe().close(dirFd).userData(EventLoop.userData(slot, STEP_CLOSE));
                return;
            }
            if (step == STEP_CLOSE) {
                res = syncResult < 0 ? syncResult : res;
            }
            end();
            onComplete(0, res);
        }

        private void end() {
            if (slot > 0) {
                loop.unregister(slot);
                slot = 0;
            }
            if (arena != null) {
                arena.close();
                arena = null;
            }
        }
    }
}
