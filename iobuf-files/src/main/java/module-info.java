/**
 * iobuf files: files over io_uring from plain Java (open to fsync, O_DIRECT, batches, a
 * {@code SeekableByteChannel}), memory-mapped files with madvise, and file-to-socket splicing.
 */
module dev.iobuf.files {
    requires transitive dev.iobuf.uring;
    exports dev.iobuf.files;
}
