package dev.iobuf.files;

/**
 * What {@code statx(2)} says of a file: its size and block size, and the alignment that
 * {@code O_DIRECT} reads and writes need ({@code STATX_DIOALIGN}, Linux 6.1).
 *
 * @param size              the file's size in bytes
 * @param blockSize         the preferred block size for I/O ({@code stx_blksize})
 * @param directMemoryAlign the alignment {@code O_DIRECT} needs of buffer addresses, or 0 when the
 *                          file system does not support direct I/O on this file (or does not say)
 * @param directOffsetAlign the alignment {@code O_DIRECT} needs of file offsets and lengths, or 0
 *                          like {@code directMemoryAlign}
 * @param modifiedNanos     the last modification time, in nanoseconds since the epoch
 */
public record FileStat(long size, int blockSize, int directMemoryAlign, int directOffsetAlign, long modifiedNanos) {
    /** Whether the file system reported an alignment for direct I/O on this file. */
    public boolean supportsDirectIo() {
        return directOffsetAlign > 0 && directMemoryAlign > 0;
    }
}
