/**
 * What iobuf's modules share and its users do not: the one binding of libc
 * ({@link dev.iobuf.internal.Libc}). Exported only to iobuf's own modules; not API.
 */
package dev.iobuf.internal;
