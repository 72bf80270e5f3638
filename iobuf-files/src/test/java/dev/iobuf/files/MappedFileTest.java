package dev.iobuf.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Mapped files: writes through the mapping and through a FileChannel see each other. */
class MappedFileTest {
    @TempDir
    Path dir;

    @Test
    void mappedWritesAreVisibleThroughFileChannelAndTheReverse() throws IOException {
        Path p = dir.resolve("mapped");
        Files.write(p, new byte[1 << 20]);
        long before = MappedFile.mappedBytes();
        try (MappedFile map = MappedFile.map(p, FileChannel.MapMode.READ_WRITE);
             FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertThat(MappedFile.mappedBytes() - before).isEqualTo(1 << 20);
            map.advise(MappedFile.Advice.SEQUENTIAL);
            map.advise(4096, 8192, MappedFile.Advice.WILLNEED);
            map.populate();
            map.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 12345, 0x1122334455667788L);
            map.force();
            ByteBuffer b = ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder());
            ch.read(b, 12345);
            assertThat(b.flip().getLong()).isEqualTo(0x1122334455667788L);

            ch.write(ByteBuffer.wrap(new byte[] {9, 8, 7}), 999_999);
            assertThat(map.segment().get(ValueLayout.JAVA_BYTE, 999_999)).isEqualTo((byte) 9);
            assertThat(map.segment().get(ValueLayout.JAVA_BYTE, 1_000_001)).isEqualTo((byte) 7);
        }
        assertThat(MappedFile.mappedBytes()).isEqualTo(before);
    }

    @Test
    void aPartialMappingAtAnUnalignedPositionAdvisesWholePages() throws IOException {
        Path p = dir.resolve("part");
        byte[] data = new byte[3 * 4096];
        data[5000] = 42;
        Files.write(p, data);
        try (MappedFile map = MappedFile.map(p, FileChannel.MapMode.READ_ONLY, 4999, 100)) {
            map.advise(MappedFile.Advice.RANDOM);
            map.populate();
            assertThat(map.segment().get(ValueLayout.JAVA_BYTE, 1)).isEqualTo((byte) 42);
            map.close();
            assertThatThrownBy(() -> map.segment().get(ValueLayout.JAVA_BYTE, 1)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> map.advise(MappedFile.Advice.NORMAL)).isInstanceOf(IllegalStateException.class);
        }
    }
}
