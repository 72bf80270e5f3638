package dev.iobuf.cli;

import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.http.HttpHelloHandler;
import dev.iobuf.net.NetConfig;
import dev.iobuf.net.Server;
import dev.iobuf.uring.reactor.EventLoopGroup;

import java.io.IOException;
import java.time.Duration;

/** {@code iobuf serve http}: the io_uring HTTP/1.1 hello-world server, until SIGINT/SIGTERM. */
final class HttpCommand {
    private HttpCommand() {
    }

    static int run(Options o) throws IOException, InterruptedException {
        String host = o.string("host", "127.0.0.1");
        int port = o.integer("port", 8080);
        int loops = o.integer("loops", Runtime.getRuntime().availableProcessors());
        long maxBody = o.integer("max-body", (int) HttpHelloHandler.DEFAULT_MAX_BODY_BYTES);
        Duration idle = Duration.ofSeconds(o.integer("idle-seconds", 60));
        Duration request = Duration.ofSeconds(o.integer("request-seconds", 10));
        String style = o.string("style", "callbacks");
        if (!style.equals("callbacks") && !style.equals("virtual-threads")) {
            System.err.println("iobuf serve http: --style is 'callbacks' (the default) or 'virtual-threads', not '" + style + "'");
            return 2;
        }
        HttpHelloHandler handler = new HttpHelloHandler(HttpHelloHandler.DEFAULT_MAX_HEADER_BYTES, maxBody, request);
        EventLoopGroup group = EventLoopGroup.start("http", loops, o.integer("ring", 1024));
        Server server;
        try {
            NetConfig config = NetConfig.defaults().withIdleTimeout(idle);
            server = style.equals("callbacks") ? IoUringTransport.on(group).serve(host, port, config, () -> handler)
                    : IoUringTransport.on(group).serveBlocking(host, port, config, handler::serve);
        } catch (IOException | RuntimeException e) {
            group.close();
            throw e;
        }
        System.out.printf("iobuf http server on http://%s:%d/, %d event loop(s), %s, idle time-out %d s, request time-out %d s,"
                + " bodies up to %d bytes; Ctrl-C to stop%n", host, server.port(), loops,
                style.equals("callbacks") ? "callbacks on the loops" : "one virtual thread per connection", idle.toSeconds(),
                request.toSeconds(), maxBody);
        EchoCommand.runUntilSignal(group, server, "http");
        return 0;
    }
}
