/** iobuf http: HTTP/1.1 over iobuf net. */
module dev.iobuf.http {
    requires transitive dev.iobuf.net;
    exports dev.iobuf.http;
}
