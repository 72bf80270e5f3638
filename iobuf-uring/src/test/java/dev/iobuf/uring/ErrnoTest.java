package dev.iobuf.uring;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ErrnoTest {
    @Test
    void namesEitherSign() {
        assertThat(Errno.name(9)).isEqualTo("EBADF");
        assertThat(Errno.name(-Errno.ENOBUFS)).isEqualTo("ENOBUFS");
        assertThat(Errno.describe(-62)).isEqualTo("ETIME (timer expired)");
        assertThat(Errno.name(4000)).isEqualTo("errno 4000");
        assertThat(Errno.meaning(4000)).isEqualTo("Unknown error 4000");     // the C library's words
        assertThat(Errno.meaning(71)).isEqualTo("Protocol error");           // EPROTO: not named here
        assertThat(Errno.describe(-Errno.EISDIR)).isEqualTo("EISDIR (is a directory)");
    }

    @Test
    void exceptionNamesCallErrnoAndAdvice() {
        IoUringException e = new IoUringException("io_uring_register(REGISTER_BUFFERS)", -Errno.ENOMEM, "raise ulimit -l");
        assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(e.getMessage()).isEqualTo("io_uring_register(REGISTER_BUFFERS) failed: ENOMEM "
                + "(out of memory (or over RLIMIT_MEMLOCK on kernels before 5.12)); raise ulimit -l");
    }

    @Test
    void unavailableNamesTheCauseAndTheSetting() {
        assertThat(IoUringUnavailableException.explain(-Errno.EPERM, "2"))
                .contains("kernel.io_uring_disabled=2").contains("set it to 0");
        assertThat(IoUringUnavailableException.explain(-Errno.EPERM, "1"))
                .contains("kernel.io_uring_group").contains("CAP_SYS_ADMIN");
        assertThat(IoUringUnavailableException.explain(-Errno.EPERM, "0"))
                .contains("seccomp").contains("Docker").contains("io_uring_setup");
        assertThat(IoUringUnavailableException.explain(-Errno.EPERM, null))
                .contains("seccomp").contains("(absent)");
        assertThat(IoUringUnavailableException.explain(-Errno.ENOSYS, null))
                .contains("ENOSYS").contains("5.1").contains("CONFIG_IO_URING");
        assertThat(IoUringUnavailableException.isUnavailable(-Errno.EPERM)).isTrue();
        assertThat(IoUringUnavailableException.isUnavailable(-Errno.EINVAL)).isFalse();
        assertThat(new IoUringUnavailableException(Errno.ENOSYS, null).errno()).isEqualTo(Errno.ENOSYS);
    }
}
