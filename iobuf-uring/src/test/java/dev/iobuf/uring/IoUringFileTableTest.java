package dev.iobuf.uring;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Two tenants share a ring's file table: each reads through its own fixed-file slots; closing one empties only its slots. */
class IoUringFileTableTest {
    @TempDir
    Path dir;
    private IoUring ring;
    private Arena arena;

    @BeforeEach
    void open() {
        ring = IoUring.builder().entries(8).open();
        arena = Arena.ofConfined();
    }

    @AfterEach
    void close() {
        ring.close();
        arena.close();
    }

    private int fileWith(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return TestNet.open(f.toString(), TestNet.O_RDWR);
    }

    /** READ of 5 bytes through fixed-file slot {@code slot}: the result and what was read. */
    private String readSlot(int slot) {
        MemorySegment buf = arena.allocate(16);
        ring.nextSqe().read(slot, buf, 0).fixedFile().userData(1);
        Cqe cqe = new Cqe();
        assertThat(ring.waitCqe(cqe, 5_000_000_000L)).isZero();
        return cqe.res() < 0 ? "errno " + -cqe.res() : buf.getString(0, StandardCharsets.US_ASCII).substring(0, cqe.res());
    }

    @Test
    void tenantsOwnSeparateSlotsAndClosingOneEmptiesOnlyItsOwn() throws Exception {
        try (IoUringFileTable table = new IoUringFileTable(ring, 16)) {
            IoUringFileTable.Tenant a = table.tenant(4);
            IoUringFileTable.Tenant b = table.tenant(2);
            assertThat(b.slot(0)).as("ranges do not overlap").isGreaterThanOrEqualTo(a.slot(3) + 1);
            int fa = fileWith("a", "alpha");
            int fb = fileWith("b", "bravo");
            a.set(0, fa);
            b.set(1, fb);
            TestNet.close(fa); // the table holds its own reference
            TestNet.close(fb);
            assertThat(readSlot(a.slot(0))).isEqualTo("alpha");
            assertThat(readSlot(b.slot(1))).isEqualTo("bravo");
            assertThat(table.freeSlots()).isEqualTo(10);

            int aSlot = a.slot(0);
            a.close();
            assertThat(readSlot(aSlot)).as("an emptied slot").isEqualTo("errno " + Errno.EBADF);
            assertThat(readSlot(b.slot(1))).as("the other tenant's slot still works").isEqualTo("bravo");
            assertThatThrownBy(() -> a.set(0, 0)).isInstanceOf(IllegalStateException.class);
            assertThat(table.freeSlots()).isEqualTo(14);

            IoUringFileTable.Tenant c = table.tenant(4);
            assertThat(c.slot(0)).as("the freed range is taken again").isEqualTo(aSlot);
            assertThatThrownBy(() -> table.tenant(13)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("consecutive free slots");
            assertThatThrownBy(() -> c.slot(4)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }
}
