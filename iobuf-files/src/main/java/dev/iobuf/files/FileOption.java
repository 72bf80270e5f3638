package dev.iobuf.files;

import java.nio.file.OpenOption;

/**
 * Open options of iobuf's files beyond {@link java.nio.file.StandardOpenOption}, which they take
 * too ({@code READ}, {@code WRITE}, {@code CREATE}, {@code CREATE_NEW}, {@code TRUNCATE_EXISTING},
 * {@code APPEND}, {@code DSYNC}, {@code SYNC}).
 */
public enum FileOption implements OpenOption {
    /**
     * {@code O_DIRECT}: reads and writes bypass the page cache. Buffer address, file offset and
     * length must then be multiples of the file's direct-I/O alignment
     * ({@code STATX_DIOALIGN}); every operation is checked before it is submitted.
     */
    DIRECT,
    /**
     * Open straight into a slot of the event loop's registered file table (a fixed file): the
     * kernel skips the file-table lookup on every operation. The file then has no regular file
     * descriptor.
     */
    FIXED_FILE,
    /** {@code O_NOATIME}: reads do not update the access time (the caller must own the file). */
    NOATIME,
}
