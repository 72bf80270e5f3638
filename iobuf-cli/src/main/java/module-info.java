/** The {@code iobuf} command. */
module dev.iobuf.cli {
    requires dev.iobuf.core;
    requires dev.iobuf.uring;
    requires dev.iobuf.net;
    requires dev.iobuf.http;
}
