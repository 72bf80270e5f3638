/**
 * HTTP/1.1 over {@link dev.iobuf.net}: today the greeting server ({@link dev.iobuf.http.HttpHelloHandler})
 * in both styles, callbacks on the loop and a virtual thread per connection.
 */
package dev.iobuf.http;
