package dev.iobuf.uring;

/**
 * io_uring operation codes ({@code enum io_uring_op}, the SQE's first byte), with the kernel
 * version that introduced each. Use {@link IoUring#supports(int)} to ask the running kernel.
 */
public final class Opcode {
    public static final int NOP = 0;
    public static final int READV = 1;
    public static final int WRITEV = 2;
    public static final int FSYNC = 3;
    public static final int READ_FIXED = 4;
    public static final int WRITE_FIXED = 5;
    public static final int POLL_ADD = 6;
    public static final int POLL_REMOVE = 7;
    /** 5.2 */
    public static final int SYNC_FILE_RANGE = 8;
    public static final int SENDMSG = 9;
    public static final int RECVMSG = 10;
    /** 5.4 */
    public static final int TIMEOUT = 11;
    public static final int TIMEOUT_REMOVE = 12;
    /** 5.5 */
    public static final int ACCEPT = 13;
    /** 5.5 */
    public static final int ASYNC_CANCEL = 14;
    public static final int LINK_TIMEOUT = 15;
    /** 5.5 */
    public static final int CONNECT = 16;
    /** 5.6 */
    public static final int FALLOCATE = 17;
    /** 5.6 */
    public static final int OPENAT = 18;
    /** 5.6 */
    public static final int CLOSE = 19;
    public static final int FILES_UPDATE = 20;
    /** 5.6 */
    public static final int STATX = 21;
    /** 5.6 */
    public static final int READ = 22;
    /** 5.6 */
    public static final int WRITE = 23;
    /** 5.6 */
    public static final int FADVISE = 24;
    /** 5.6 */
    public static final int MADVISE = 25;
    /** 5.6 */
    public static final int SEND = 26;
    /** 5.6 */
    public static final int RECV = 27;
    /** 5.6 */
    public static final int OPENAT2 = 28;
    public static final int EPOLL_CTL = 29;
    /** 5.7 */
    public static final int SPLICE = 30;
    public static final int PROVIDE_BUFFERS = 31;
    public static final int REMOVE_BUFFERS = 32;
    /** 5.8 */
    public static final int TEE = 33;
    /** 5.11 */
    public static final int SHUTDOWN = 34;
    /** 5.11 */
    public static final int RENAMEAT = 35;
    /** 5.11 */
    public static final int UNLINKAT = 36;
    /** 5.15 */
    public static final int MKDIRAT = 37;
    /** 5.15 */
    public static final int SYMLINKAT = 38;
    /** 5.15 */
    public static final int LINKAT = 39;
    public static final int MSG_RING = 40;
    public static final int FSETXATTR = 41;
    public static final int SETXATTR = 42;
    public static final int FGETXATTR = 43;
    public static final int GETXATTR = 44;
    /** 5.19 */
    public static final int SOCKET = 45;
    public static final int URING_CMD = 46;
    /** 6.0 */
    public static final int SEND_ZC = 47;
    /** 6.1 */
    public static final int SENDMSG_ZC = 48;
    /** 6.7 */
    public static final int READ_MULTISHOT = 49;
    /** 6.7 */
    public static final int WAITID = 50;
    /** 6.7 */
    public static final int FUTEX_WAIT = 51;
    /** 6.7 */
    public static final int FUTEX_WAKE = 52;
    public static final int FUTEX_WAITV = 53;
    public static final int FIXED_FD_INSTALL = 54;
    /** 6.9 */
    public static final int FTRUNCATE = 55;
    /** 6.11 */
    public static final int BIND = 56;
    /** 6.11 */
    public static final int LISTEN = 57;
    public static final int RECV_ZC = 58;
    public static final int EPOLL_WAIT = 59;
    public static final int READV_FIXED = 60;
    public static final int WRITEV_FIXED = 61;
    /** 6.16 */
    public static final int PIPE = 62;

    private static final String[] NAMES = {
        "NOP", "READV", "WRITEV", "FSYNC", "READ_FIXED", "WRITE_FIXED", "POLL_ADD", "POLL_REMOVE",
        "SYNC_FILE_RANGE", "SENDMSG", "RECVMSG", "TIMEOUT", "TIMEOUT_REMOVE", "ACCEPT", "ASYNC_CANCEL",
        "LINK_TIMEOUT", "CONNECT", "FALLOCATE", "OPENAT", "CLOSE", "FILES_UPDATE", "STATX", "READ",
        "WRITE", "FADVISE", "MADVISE", "SEND", "RECV", "OPENAT2", "EPOLL_CTL", "SPLICE",
        "PROVIDE_BUFFERS", "REMOVE_BUFFERS", "TEE", "SHUTDOWN", "RENAMEAT", "UNLINKAT", "MKDIRAT",
        "SYMLINKAT", "LINKAT", "MSG_RING", "FSETXATTR", "SETXATTR", "FGETXATTR", "GETXATTR", "SOCKET",
        "URING_CMD", "SEND_ZC", "SENDMSG_ZC", "READ_MULTISHOT", "WAITID", "FUTEX_WAIT", "FUTEX_WAKE",
        "FUTEX_WAITV", "FIXED_FD_INSTALL", "FTRUNCATE", "BIND", "LISTEN", "RECV_ZC", "EPOLL_WAIT",
        "READV_FIXED", "WRITEV_FIXED", "PIPE",
    };

    private Opcode() {
    }

    /** The name, e.g. {@code "READ_FIXED"}; {@code "opcode 70"} for a code this class does not know. */
    public static String name(int opcode) {
        return opcode >= 0 && opcode < NAMES.length ? NAMES[opcode] : "opcode " + opcode;
    }
}
