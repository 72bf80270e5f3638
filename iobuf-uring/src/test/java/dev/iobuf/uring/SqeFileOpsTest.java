package dev.iobuf.uring;

import dev.iobuf.internal.Libc;
import dev.iobuf.memory.AlignedMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The file, path, pipe, socket-setup, futex and waitid operations of {@link Sqe}, each against the
 * running kernel: what the operation did is checked from outside the ring (java.nio.file, a
 * java.net socket, the bytes in memory), so a field in the wrong place of the SQE shows.
 */
@Timeout(30)
class SqeFileOpsTest {
    private static final long TEN_SECONDS = 10_000_000_000L;
    private static final int AT_FDCWD = Sqe.AT_FDCWD;
    private static final int ECHILD = 10;
    private static final int EXDEV = 18;
    private static final int EISDIR = 21;
    private static final int SIGCHLD = 17;
    private static final int CLD_EXITED = 1;
    /** {@code siginfo_t} for SIGCHLD: si_signo 0, si_errno 4, si_code 8, si_pid 16, si_uid 20, si_status 24; 128 bytes. */
    private static final int SIGINFO_BYTES = 128;
    private static final long PAGE = AlignedMemory.pageSize();

    @TempDir
    Path dir;
    private IoUring ring;
    private Arena arena;
    private final List<Integer> fds = new ArrayList<>();
    private final Cqe cqe = new Cqe();

    @BeforeEach
    void open() {
        ring = IoUring.open(16);
        arena = Arena.ofConfined();
    }

    @AfterEach
    void close() {
        ring.close();
        for (int fd : fds) {
            TestNet.close(fd);
        }
        arena.close();
    }

    private void assumeSupported(int opcode, String since) {
        Assumptions.assumeTrue(ring.supports(opcode),
                () -> "the running kernel has no " + Opcode.name(opcode) + " (io_uring has it from " + since + ")");
    }

    private int track(int fd) {
        fds.add(fd);
        return fd;
    }

    private void closeNow(int fd) {
        fds.remove(Integer.valueOf(fd));
        TestNet.close(fd);
    }

    private Cqe next() {
        assertThat(ring.waitCqe(cqe, TEN_SECONDS)).isZero();
        return cqe;
    }

    /** Submits what was prepared and returns the {@code res} of the completion carrying {@code userData}. */
    private int run(long userData) {
        Cqe c = next();
        assertThat(c.userData()).isEqualTo(userData);
        return c.res();
    }

    private long path(Path p) {
        return arena.allocateFrom(p.toString()).address();
    }

    private long cString(String s) {
        return arena.allocateFrom(s).address();
    }

    private static byte[] pattern(int n, long seed) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt();
        }
        return b;
    }

    private int openFile(Path p, int flags) {
        return track(TestNet.open(p.toString(), flags));
    }

    /** A pipe {read end, write end}, from {@code pipe2(O_CLOEXEC)} through the one libc binding's {@code syscall}. */
    private int[] pipe() {
        long nr = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 293;
            case "aarch64" -> 59;
            default -> -1;
        };
        Assumptions.assumeTrue(nr > 0, "pipe2's syscall number is known here for x86-64 and aarch64 only");
        MemorySegment pair = arena.allocate(JAVA_INT, 2);
        long rc = Libc.syscall(Libc.IGNORED_ERRNO, nr, pair.address(), Libc.O_CLOEXEC, 0, 0, 0, 0);
        assertThat(rc).as("pipe2").isZero();
        return new int[] {track(pair.get(JAVA_INT, 0)), track(pair.get(JAVA_INT, 4))};
    }

    private void writeAll(int fd, byte[] data) {
        assertThat(TestNet.write(fd, arena.allocateFrom(ValueLayout.JAVA_BYTE, data))).isEqualTo(data.length);
    }

    private byte[] readExactly(int fd, int n) {
        MemorySegment buf = arena.allocate(n);
        int got = 0;
        while (got < n) {
            long r = TestNet.read(fd, buf.asSlice(got));
            assertThat(r).as("read").isPositive();
            got += (int) r;
        }
        return buf.toArray(ValueLayout.JAVA_BYTE);
    }

    // ---- files -----------------------------------------------------------------------------

    @Test
    void fallocateGrowsKeepsSizeAndPunchesHoles() throws Exception {
        assumeSupported(Opcode.FALLOCATE, "5.6");
        Path file = dir.resolve("falloc");
        int fd = openFile(file, TestNet.O_RDWR | TestNet.O_CREAT | TestNet.O_TRUNC);
        ring.nextSqe().fallocate(fd, 0, 0, 64 * PAGE).userData(1);
        assertThat(run(1)).isZero();
        assertThat(Files.size(file)).as("mode 0 grows the file").isEqualTo(64 * PAGE);
        ring.nextSqe().fallocate(fd, OpFlags.FALLOC_FL_KEEP_SIZE, 64 * PAGE, 64 * PAGE).userData(2);
        assertThat(run(2)).isZero();
        assertThat(Files.size(file)).as("KEEP_SIZE").isEqualTo(64 * PAGE);

        byte[] data = new byte[(int) (3 * PAGE)];
        Arrays.fill(data, (byte) 0x55);
        ring.nextSqe().write(fd, arena.allocateFrom(ValueLayout.JAVA_BYTE, data), 0).userData(3);
        assertThat(run(3)).isEqualTo(data.length);
        ring.nextSqe().fallocate(fd, OpFlags.FALLOC_FL_PUNCH_HOLE | OpFlags.FALLOC_FL_KEEP_SIZE, PAGE, PAGE)
                .userData(4);
        int res = run(4);
        Assumptions.assumeTrue(res != -Errno.EOPNOTSUPP, "the temporary directory's file system cannot punch holes");
        assertThat(res).isZero();
        byte[] got = Files.readAllBytes(file);
        assertThat(got).hasSize((int) (64 * PAGE));
        for (int i = 0; i < 3 * PAGE; i++) {
            assertThat(got[i]).as("byte %d", i).isEqualTo(i >= PAGE && i < 2 * PAGE ? (byte) 0 : (byte) 0x55);
        }
    }

    @Test
    void ftruncateCutsAndExtendsWithZeros() throws Exception {
        assumeSupported(Opcode.FTRUNCATE, "6.9");
        Path file = dir.resolve("trunc");
        int fd = openFile(file, TestNet.O_RDWR | TestNet.O_CREAT | TestNet.O_TRUNC);
        byte[] data = pattern(10_000, 1);
        ring.nextSqe().write(fd, arena.allocateFrom(ValueLayout.JAVA_BYTE, data), 0).userData(1);
        assertThat(run(1)).isEqualTo(data.length);
        ring.nextSqe().ftruncate(fd, 1234).userData(2);
        assertThat(run(2)).isZero();
        assertThat(Files.readAllBytes(file)).isEqualTo(Arrays.copyOf(data, 1234));
        ring.nextSqe().ftruncate(fd, 5000).userData(3);
        assertThat(run(3)).isZero();
        assertThat(Files.readAllBytes(file)).isEqualTo(Arrays.copyOf(Arrays.copyOf(data, 1234), 5000));
    }

    @Test
    void fadviseTakesA64BitLengthAndChecksTheAdvice() throws Exception {
        assumeSupported(Opcode.FADVISE, "5.6");
        Path file = dir.resolve("advise");
        Files.write(file, pattern(65536, 2));
        int fd = openFile(file, TestNet.O_RDWR);
        // 8 GiB: only the 64-bit length field (addr, read from 6.11) can hold it
        ring.nextSqe().fadvise(fd, 0, 1L << 33, OpFlags.POSIX_FADV_WILLNEED).userData(1);
        assertThat(run(1)).isZero();
        ring.nextSqe().fadvise(fd, 4096, 0, OpFlags.POSIX_FADV_DONTNEED).userData(2);
        assertThat(run(2)).isZero();
        ring.nextSqe().fadvise(fd, 0, 4096, OpFlags.POSIX_FADV_SEQUENTIAL).userData(3);
        assertThat(run(3)).isZero();
        ring.nextSqe().fadvise(fd, 0, 4096, 99).userData(4);
        assertThat(run(4)).as("unknown advice").isEqualTo(-Errno.EINVAL);
    }

    @Test
    void madviseDropsExactlyTheLengthGiven() {
        assumeSupported(Opcode.MADVISE, "5.6");
        long addr = Libc.mmap(Libc.IGNORED_ERRNO, 0, 2 * PAGE, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        assertThat(addr).as("mmap").isPositive();
        try {
            MemorySegment m = MemorySegment.ofAddress(addr).reinterpret(2 * PAGE);
            m.fill((byte) 7);
            ring.nextSqe().madvise(addr, 2 * PAGE, OpFlags.MADV_WILLNEED).userData(1);
            assertThat(run(1)).isZero();
            // the length is read: DONTNEED of one page zeroes that page and no other
            ring.nextSqe().madvise(addr, PAGE, OpFlags.MADV_DONTNEED).userData(2);
            assertThat(run(2)).isZero();
            assertThat(m.get(ValueLayout.JAVA_BYTE, 0)).isZero();
            assertThat(m.get(ValueLayout.JAVA_BYTE, PAGE - 1)).isZero();
            assertThat(m.get(ValueLayout.JAVA_BYTE, PAGE)).isEqualTo((byte) 7);
            ring.nextSqe().madvise(addr, 2 * PAGE, OpFlags.MADV_POPULATE_WRITE).userData(3);
            assertThat(run(3)).isZero();
            ring.nextSqe().madvise(addr + 1, PAGE, OpFlags.MADV_WILLNEED).userData(4);
            assertThat(run(4)).as("an address not page-aligned").isEqualTo(-Errno.EINVAL);
        } finally {
            assertThat(Libc.munmap(Libc.IGNORED_ERRNO, addr, 2 * PAGE)).isZero();
        }
    }

    @Test
    void syncFileRangeWritesBackAndChecksItsFlags() {
        assumeSupported(Opcode.SYNC_FILE_RANGE, "5.2");
        int fd = openFile(dir.resolve("sync"), TestNet.O_RDWR | TestNet.O_CREAT | TestNet.O_TRUNC);
        byte[] data = pattern(65536, 3);
        ring.nextSqe().write(fd, arena.allocateFrom(ValueLayout.JAVA_BYTE, data), 0).userData(1);
        assertThat(run(1)).isEqualTo(data.length);
        int all = OpFlags.SYNC_FILE_RANGE_WAIT_BEFORE | OpFlags.SYNC_FILE_RANGE_WRITE
                | OpFlags.SYNC_FILE_RANGE_WAIT_AFTER;
        ring.nextSqe().syncFileRange(fd, 0, 0, all).userData(2);
        assertThat(run(2)).isZero();
        ring.nextSqe().syncFileRange(fd, 4096, 8192, OpFlags.SYNC_FILE_RANGE_WRITE).userData(3);
        assertThat(run(3)).isZero();
        ring.nextSqe().syncFileRange(fd, 0, 4096, 0x100).userData(4);
        assertThat(run(4)).as("an unknown flag").isEqualTo(-Errno.EINVAL);
    }

    // ---- paths -----------------------------------------------------------------------------

    @Test
    void mkdiratCreatesADirectoryRelativeToADirFd() {
        assumeSupported(Opcode.MKDIRAT, "5.15");
        int dirFd = openFile(dir, Libc.O_RDONLY);
        ring.nextSqe().mkdirat(dirFd, cString("made"), 0755).userData(1);
        assertThat(run(1)).isZero();
        assertThat(Files.isDirectory(dir.resolve("made"))).isTrue();
        ring.nextSqe().mkdirat(AT_FDCWD, path(dir.resolve("made")), 0755).userData(2);
        assertThat(run(2)).isEqualTo(-Errno.EEXIST);
    }

    @Test
    void unlinkatRemovesFilesAndWithRemovedirDirectories() throws Exception {
        assumeSupported(Opcode.UNLINKAT, "5.11");
        Path file = Files.writeString(dir.resolve("gone"), "x");
        Path sub = Files.createDirectory(dir.resolve("sub"));
        ring.nextSqe().unlinkat(AT_FDCWD, path(file), 0).userData(1);
        assertThat(run(1)).isZero();
        assertThat(Files.exists(file)).isFalse();
        ring.nextSqe().unlinkat(AT_FDCWD, path(sub), 0).userData(2);
        assertThat(run(2)).as("a directory without AT_REMOVEDIR").isEqualTo(-EISDIR);
        ring.nextSqe().unlinkat(AT_FDCWD, path(sub), OpFlags.AT_REMOVEDIR).userData(3);
        assertThat(run(3)).isZero();
        assertThat(Files.exists(sub)).isFalse();
    }

    @Test
    void renameatMovesAndWithNoreplaceRefusesToReplace() throws Exception {
        assumeSupported(Opcode.RENAMEAT, "5.11");
        Path a = Files.writeString(dir.resolve("a"), "alpha");
        Path sub = Files.createDirectory(dir.resolve("sub"));
        int subFd = openFile(sub, Libc.O_RDONLY);
        ring.nextSqe().renameat(AT_FDCWD, path(a), subFd, cString("b"), 0).userData(1);
        assertThat(run(1)).isZero();
        assertThat(Files.exists(a)).isFalse();
        assertThat(Files.readString(sub.resolve("b"))).isEqualTo("alpha");
        Path c = Files.writeString(dir.resolve("c"), "gamma");
        ring.nextSqe().renameat(AT_FDCWD, path(c), subFd, cString("b"), OpFlags.RENAME_NOREPLACE).userData(2);
        assertThat(run(2)).isEqualTo(-Errno.EEXIST);
        assertThat(Files.readString(sub.resolve("b"))).isEqualTo("alpha");
        ring.nextSqe().renameat(AT_FDCWD, path(c), subFd, cString("b"), OpFlags.RENAME_EXCHANGE).userData(3);
        assertThat(run(3)).isZero();
        assertThat(Files.readString(sub.resolve("b"))).isEqualTo("gamma");
        assertThat(Files.readString(c)).isEqualTo("alpha");
    }

    @Test
    void linkatMakesAHardLink() throws Exception {
        assumeSupported(Opcode.LINKAT, "5.15");
        Path target = Files.writeString(dir.resolve("target"), "shared");
        int dirFd = openFile(dir, Libc.O_RDONLY);
        ring.nextSqe().linkat(dirFd, cString("target"), AT_FDCWD, path(dir.resolve("hard")), 0).userData(1);
        assertThat(run(1)).isZero();
        Path hard = dir.resolve("hard");
        assertThat(Files.isSameFile(hard, target)).isTrue();
        assertThat(Files.getAttribute(target, "unix:nlink")).isEqualTo(2);
        ring.nextSqe().linkat(dirFd, cString("target"), dirFd, cString("hard"), 0).userData(2);
        assertThat(run(2)).isEqualTo(-Errno.EEXIST);
    }

    @Test
    void symlinkatMakesASymbolicLink() throws Exception {
        assumeSupported(Opcode.SYMLINKAT, "5.15");
        Files.writeString(dir.resolve("target"), "pointed at");
        int dirFd = openFile(dir, Libc.O_RDONLY);
        ring.nextSqe().symlinkat(cString("target"), dirFd, cString("soft")).userData(1);
        assertThat(run(1)).isZero();
        Path soft = dir.resolve("soft");
        assertThat(Files.isSymbolicLink(soft)).isTrue();
        assertThat(Files.readSymbolicLink(soft)).isEqualTo(Path.of("target"));
        assertThat(Files.readString(soft)).isEqualTo("pointed at");
        ring.nextSqe().symlinkat(cString("elsewhere"), AT_FDCWD, path(soft)).userData(2);
        assertThat(run(2)).isEqualTo(-Errno.EEXIST);
    }

    @Test
    void openat2OpensReadsAndHonoursItsResolveBits() throws Exception {
        assumeSupported(Opcode.OPENAT2, "5.6");
        byte[] data = pattern(100, 4);
        Files.write(dir.resolve("data"), data);
        int dirFd = openFile(dir, Libc.O_RDONLY);
        MemorySegment how = arena.allocate(24, 8); // struct open_how: flags, mode, resolve
        how.set(ValueLayout.JAVA_LONG, 0, Libc.O_RDONLY | Libc.O_CLOEXEC);
        how.set(ValueLayout.JAVA_LONG, 8, 0);
        how.set(ValueLayout.JAVA_LONG, 16, OpFlags.RESOLVE_BENEATH);
        ring.nextSqe().openat2(dirFd, cString("data"), how.address(), 24).userData(1);
        int fd = run(1);
        assertThat(fd).isGreaterThanOrEqualTo(0);
        track(fd);
        MemorySegment buf = arena.allocate(256);
        ring.nextSqe().read(fd, buf, 0).userData(2);
        assertThat(run(2)).isEqualTo(100);
        assertThat(buf.asSlice(0, 100).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data);

        String outside = "../" + dir.getFileName() + "/data";
        ring.nextSqe().openat2(dirFd, cString(outside), how.address(), 24).userData(3);
        assertThat(run(3)).as("RESOLVE_BENEATH refuses a path through ..").isEqualTo(-EXDEV);

        ring.register().filesSparse(4);
        ring.nextSqe().openat2Direct(dirFd, cString("data"), how.address(), 24, 2).userData(4);
        assertThat(run(4)).as("O_CLOEXEC means nothing to a fixed-file slot: refused").isEqualTo(-Errno.EINVAL);
        how.set(ValueLayout.JAVA_LONG, 0, Libc.O_RDONLY);
        ring.nextSqe().openat2Direct(dirFd, cString("data"), how.address(), 24, 2).userData(4);
        assertThat(run(4)).as("a direct open into a chosen slot answers 0").isZero();
        buf.fill((byte) 0);
        ring.nextSqe().read(2, buf, 0).fixedFile().userData(5);
        assertThat(run(5)).isEqualTo(100);
        assertThat(buf.asSlice(0, 100).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data);
        ring.nextSqe().closeDirect(2).userData(6);
        assertThat(run(6)).isZero();
    }

    // ---- pipes -----------------------------------------------------------------------------

    @Test
    void spliceMovesExactBytesFileToPipeToFile() throws Exception {
        assumeSupported(Opcode.SPLICE, "5.7");
        byte[] data = pattern(10_000, 5);
        Path src = dir.resolve("src");
        Path dst = dir.resolve("dst");
        Files.write(src, data);
        int in = openFile(src, Libc.O_RDONLY);
        int out = openFile(dst, TestNet.O_RDWR | TestNet.O_CREAT | TestNet.O_TRUNC);
        int[] p = pipe();
        long moved = 0;
        while (moved < data.length) {
            ring.nextSqe().splice(in, moved, p[1], -1, (int) (data.length - moved), 0).userData(1);
            int r = run(1);
            assertThat(r).as("file to pipe").isPositive();
            int drained = 0;
            while (drained < r) {
                ring.nextSqe().splice(p[0], -1, out, moved + drained, r - drained, 0).userData(2);
                int w = run(2);
                assertThat(w).as("pipe to file").isPositive();
                drained += w;
            }
            moved += r;
        }
        assertThat(Files.readAllBytes(dst)).isEqualTo(data);

        // the input offset is honoured: 1000 bytes from offset 7000
        ring.nextSqe().splice(in, 7000, p[1], -1, 1000, 0).userData(3);
        assertThat(run(3)).isEqualTo(1000);
        assertThat(readExactly(p[0], 1000)).isEqualTo(Arrays.copyOfRange(data, 7000, 8000));

        // a fixed-file input: the pipe's read end in slot 0, SPLICE_F_FD_IN_FIXED
        byte[] more = pattern(500, 6);
        writeAll(p[1], more);
        ring.register().files(p[0]);
        Path dst2 = dir.resolve("dst2");
        int out2 = openFile(dst2, TestNet.O_RDWR | TestNet.O_CREAT | TestNet.O_TRUNC);
        ring.nextSqe().splice(0, -1, out2, 0, 500, OpFlags.SPLICE_F_FD_IN_FIXED).userData(4);
        assertThat(run(4)).isEqualTo(500);
        assertThat(Files.readAllBytes(dst2)).isEqualTo(more);
    }

    @Test
    void teeDuplicatesPipeBytesWithoutConsumingThem() {
        assumeSupported(Opcode.TEE, "5.8");
        int[] a = pipe();
        int[] b = pipe();
        byte[] data = pattern(300, 7);
        writeAll(a[1], data);
        ring.nextSqe().tee(a[0], b[1], 300, 0).userData(1);
        assertThat(run(1)).isEqualTo(300);
        assertThat(readExactly(b[0], 300)).as("the copy").isEqualTo(data);
        assertThat(readExactly(a[0], 300)).as("the original, still there").isEqualTo(data);
    }

    @Test
    void readMultishotDeliversEveryWriteInAProvidedBufferUntilEndOfFile() {
        assumeSupported(Opcode.READ_MULTISHOT, "6.7");
        int[] p = pipe();
        MemorySegment slab = AlignedMemory.allocatePageAligned(4 * 64);
        try (BufferRing br = BufferRing.ofSlab(ring, 3, slab, 64, false)) {
            ring.nextSqe().readMultishot(p[0], 0, 0, br.group()).userData(1);
            ring.submit();
            for (int k = 0; k < 6; k++) {
                byte[] msg = pattern(40 + k, 10 + k);
                writeAll(p[1], msg);
                Cqe c = next();
                assertThat(c.userData()).isEqualTo(1);
                assertThat(c.res()).isEqualTo(msg.length);
                assertThat(c.hasMore()).isTrue();
                int bid = c.bufferId();
                assertThat(br.buffer(bid).asSlice(0, c.res()).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(msg);
                br.recycle(bid);
            }
            closeNow(p[1]);
            Cqe end = next();
            assertThat(end.userData()).isEqualTo(1);
            assertThat(end.res()).as("end of file").isZero();
            assertThat(end.hasMore()).isFalse();
        }
    }

    // ---- sockets ---------------------------------------------------------------------------

    @Test
    void bindAndListenThenAJavaSocketConnects() throws Exception {
        assumeSupported(Opcode.BIND, "6.11");
        assumeSupported(Opcode.LISTEN, "6.11");
        int fd = track(TestNet.tcpSocket());
        MemorySegment sa = arena.allocate(TestNet.SOCKADDR_IN_BYTES);
        TestNet.loopback(sa, 0);
        ring.nextSqe().bind(fd, sa.address(), TestNet.SOCKADDR_IN_BYTES).userData(1);
        assertThat(run(1)).isZero();
        ring.nextSqe().listen(fd, 16).userData(2);
        assertThat(run(2)).isZero();
        MemorySegment len = arena.allocateFrom(JAVA_INT, TestNet.SOCKADDR_IN_BYTES);
        assertThat(Libc.getsockname(Libc.IGNORED_ERRNO, fd, sa.address(), len.address())).isZero();
        int port = Short.toUnsignedInt(sa.get(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2));
        assertThat(port).isPositive();

        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 5000);
            s.getOutputStream().write("hi".getBytes(StandardCharsets.US_ASCII));
            ring.nextSqe().accept(fd, 0, 0, TestNet.SOCK_CLOEXEC).userData(3);
            int conn = run(3);
            assertThat(conn).isGreaterThanOrEqualTo(0);
            track(conn);
            MemorySegment buf = arena.allocate(2);
            ring.nextSqe().recv(conn, buf, 0).userData(4);
            assertThat(run(4)).isEqualTo(2);
            assertThat(new String(buf.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII)).isEqualTo("hi");
        }

        int other = track(TestNet.tcpSocket());
        ring.nextSqe().bind(other, sa.address(), TestNet.SOCKADDR_IN_BYTES).userData(5);
        assertThat(run(5)).as("the port is taken").isEqualTo(-Errno.EADDRINUSE);
    }

    // ---- futex and waitid ------------------------------------------------------------------

    @Test
    void futexWaitRefusesAStaleValueAndWakeWakesAWaiter() {
        assumeSupported(Opcode.FUTEX_WAIT, "6.7");
        assumeSupported(Opcode.FUTEX_WAKE, "6.7");
        MemorySegment word = arena.allocate(4, 4);
        word.set(JAVA_INT, 0, 5);
        long addr = word.address();
        int flags = OpFlags.FUTEX2_SIZE_U32 | OpFlags.FUTEX2_PRIVATE;
        long any = OpFlags.FUTEX_BITSET_MATCH_ANY;
        ring.nextSqe().futexWake(addr, 1, any, flags, 0).userData(1);
        assertThat(run(1)).as("nobody waits").isZero();
        ring.nextSqe().futexWait(addr, 6, any, flags, 0).userData(2);
        assertThat(run(2)).as("the word holds 5, not 6").isEqualTo(-Errno.EAGAIN);

        // a real wait: armed when submit returns (the kernel queues it while submitting), then woken
        ring.nextSqe().futexWait(addr, 5, any, flags, 0).userData(3);
        assertThat(ring.submit()).isEqualTo(1);
        ring.nextSqe().futexWake(addr, 1, any, flags, 0).userData(4);
        int waitRes = Integer.MIN_VALUE;
        int wakeRes = Integer.MIN_VALUE;
        for (int i = 0; i < 2; i++) {
            Cqe c = next();
            if (c.userData() == 3) {
                waitRes = c.res();
            } else {
                assertThat(c.userData()).isEqualTo(4);
                wakeRes = c.res();
            }
        }
        assertThat(wakeRes).as("one waiter woken").isEqualTo(1);
        assertThat(waitRes).as("the wait ends woken").isZero();
    }

    @Test
    void waitidSeesARunningChildAndAnExitedOne() throws Exception {
        assumeSupported(Opcode.WAITID, "6.7");
        MemorySegment info = arena.allocate(SIGINFO_BYTES, 8);

        // Deterministic: a child that is still running, WNOHANG -> res 0 and a zeroed siginfo.
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            info.fill((byte) 0x7f);
            ring.nextSqe().waitid(OpFlags.P_PID, (int) sleeper.pid(), info.address(),
                    OpFlags.WEXITED | OpFlags.WNOHANG, 0).userData(1);
            assertThat(run(1)).isZero();
            assertThat(info.get(JAVA_INT, 0)).as("si_signo: nothing to report").isZero();
            assertThat(info.get(JAVA_INT, 16)).as("si_pid").isZero();
        } finally {
            sleeper.destroyForcibly();
            sleeper.waitFor();
        }

        ring.nextSqe().waitid(OpFlags.P_PID, 1, info.address(), OpFlags.WEXITED | OpFlags.WNOHANG, 0).userData(2);
        assertThat(run(2)).as("pid 1 is not our child").isEqualTo(-ECHILD);

        // An exiting child. The JDK's process reaper thread waits for every child it started
        // (waitpid on its pid), so it and this waitid race for the exit. WNOWAIT leaves the child
        // for the reaper to collect (so Process.waitFor still sees its status); if the reaper got
        // there first, the child is gone and the answer is -ECHILD. Either is right; a hang is not,
        // and when the ring does see the exit, the siginfo must describe this child.
        Process child = new ProcessBuilder("true").start();
        int pid = (int) child.pid();
        info.fill((byte) 0);
        ring.nextSqe().waitid(OpFlags.P_PID, pid, info.address(), OpFlags.WEXITED | OpFlags.WNOWAIT, 0)
                .userData(3);
        int res = run(3);
        assertThat(res).isIn(0, -ECHILD);
        if (res == 0) {
            assertThat(info.get(JAVA_INT, 0)).as("si_signo").isEqualTo(SIGCHLD);
            assertThat(info.get(JAVA_INT, 8)).as("si_code").isEqualTo(CLD_EXITED);
            assertThat(info.get(JAVA_INT, 16)).as("si_pid").isEqualTo(pid);
            assertThat(info.get(JAVA_INT, 24)).as("si_status").isZero();
        }
        assertThat(child.waitFor()).isZero();
    }
}
