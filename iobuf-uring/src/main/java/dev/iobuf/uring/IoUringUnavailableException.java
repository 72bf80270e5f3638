package dev.iobuf.uring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * io_uring cannot be used in this process at all: the kernel lacks it, or it is forbidden.
 *
 * <p>The message names the likely cause and the setting to change:
 * <ul>
 *   <li>{@code EPERM} with {@code kernel.io_uring_disabled=2}: disabled for everyone;</li>
 *   <li>{@code EPERM} with {@code kernel.io_uring_disabled=1}: allowed only for members of the
 *       group {@code kernel.io_uring_group} and for processes with {@code CAP_SYS_ADMIN};</li>
 *   <li>{@code EPERM} with the sysctl at 0: a seccomp filter blocks the syscalls (Docker's default
 *       profile does since 2023; so do many container runtimes);</li>
 *   <li>{@code ENOSYS}: the kernel is older than 5.1, was built without {@code CONFIG_IO_URING},
 *       or a seccomp filter answers ENOSYS (gVisor and some sandboxes).</li>
 * </ul>
 */
public final class IoUringUnavailableException extends IoUringException {
    private static final long serialVersionUID = 1L;

    /** Where Linux (6.6 and later) exposes the io_uring switch. */
    static final Path DISABLED_SYSCTL = Path.of("/proc/sys/kernel/io_uring_disabled");

    IoUringUnavailableException(int errno, String sysctlValue) {
        super(explain(errno, sysctlValue), errno);
    }

    /** Builds the exception for a failed {@code io_uring_setup}, reading the sysctl now. */
    static IoUringUnavailableException of(int errno) {
        return new IoUringUnavailableException(errno, readSysctl());
    }

    /** Whether {@code errno} from {@code io_uring_setup} means io_uring is missing or forbidden. */
    static boolean isUnavailable(int errno) {
        int e = Math.abs(errno);
        return e == Errno.ENOSYS || e == Errno.EPERM;
    }

    static String readSysctl() {
        try {
            return Files.readString(DISABLED_SYSCTL).trim();
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /**
     * The message for {@code errno} given the sysctl's content ({@code null} when the file is
     * missing, as on kernels before 6.6).
     */
    static String explain(int errno, String sysctl) {
        int e = Math.abs(errno);
        String kernel = System.getProperty("os.version", "?");
        if (e == Errno.ENOSYS) {
            return "io_uring is not available: io_uring_setup failed with " + Errno.describe(e)
                    + " on kernel " + kernel + ". The kernel is older than 5.1, was built without "
                    + "CONFIG_IO_URING, or a seccomp filter (gVisor, a sandbox) hides the syscall; "
                    + "run on Linux 6.1 or later without that filter";
        }
        if ("2".equals(sysctl)) {
            return "io_uring is disabled: kernel.io_uring_disabled=2 (io_uring_setup failed with "
                    + Errno.describe(e) + "); set it to 0 (sysctl -w kernel.io_uring_disabled=0)";
        }
        if ("1".equals(sysctl)) {
            return "io_uring is restricted: kernel.io_uring_disabled=1 allows it only to members of the "
                    + "group in kernel.io_uring_group and to CAP_SYS_ADMIN (io_uring_setup failed with "
                    + Errno.describe(e) + "); add this user to that group, run with CAP_SYS_ADMIN, "
                    + "or set kernel.io_uring_disabled=0";
        }
        return "io_uring is forbidden: io_uring_setup failed with " + Errno.describe(e)
                + " although kernel.io_uring_disabled=" + (sysctl == null ? "(absent)" : sysctl)
                + "; a seccomp filter blocks the io_uring syscalls (Docker's default profile does): "
                + "run the container with a profile that allows io_uring_setup, io_uring_enter and "
                + "io_uring_register (e.g. --security-opt seccomp=<profile>)";
    }
}
