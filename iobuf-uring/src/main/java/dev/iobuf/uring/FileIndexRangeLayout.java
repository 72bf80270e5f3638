package dev.iobuf.uring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct io_uring_file_index_range} (16 bytes), the argument of
 * {@code IORING_REGISTER_FILE_ALLOC_RANGE}: the slots of the fixed-file table the kernel may pick
 * from for {@code IORING_FILE_INDEX_ALLOC}.
 *
 * <pre>
 *  0          4          8               16
 *  +----------+----------+---------------+
 *  | off u32  | len u32  | resv (u64)    |
 *  +----------+----------+---------------+
 * </pre>
 */
final class FileIndexRangeLayout {
    static final long OFF = 0;
    static final long LEN = 4;

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("off"), JAVA_INT.withName("len"), JAVA_LONG.withName("resv"));

    static final long BYTES = LAYOUT.byteSize();

    private FileIndexRangeLayout() {
    }
}
