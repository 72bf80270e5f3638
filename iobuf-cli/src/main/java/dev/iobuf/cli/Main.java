package dev.iobuf.cli;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The {@code iobuf} command: {@code demo}, {@code bench}, {@code serve}, {@code load}. */
public final class Main {
    private Main() {
    }

    static final String USAGE = """
            usage: iobuf <command> [options]

              demo [--seconds D] [--conns C] [--size S]
                                      the main job: the io_uring echo server on loopback with pooled,
                                      registered buffers, driven by the load generator; throughput,
                                      latency percentiles and pool statistics
              demo pools              the buffer pools alone: threads take and give back every tier
              serve echo --port P [--host H] [--unix PATH] [--loops N] [--receive-buffers B] [--idle-seconds S]
                                      io_uring echo server until SIGINT/SIGTERM (host 127.0.0.1;
                                      an IPv6 literal such as ::1 works; --unix listens on a path)
              serve echo --udp --port P [--host H] [--receive-buffers B] [--send-buffers B]
                                      the same over UDP: one datagram endpoint, each datagram back
                                      to its sender
              serve http --port P [--host H] [--loops N] [--max-body B] [--idle-seconds S]
                         [--request-seconds S] [--style callbacks|virtual-threads]
                                      io_uring HTTP/1.1 server (GET / -> Hello, World!) until SIGINT/SIGTERM
              load echo --port P [--host H] --conns C --size S --seconds D [--udp]
                                      echo load generator: checks every echoed byte, prints a table;
                                      --udp: C connected datagram endpoints, S-byte datagrams
              bench [--threads 1,2,4] [--seconds 0.5]
                                      a short JMH table of iobuf's pools against their peers
              bench files [--rounds 3] [--seconds 5] [--modes randread,seqread,seqwrite,cached] [--no-fio]
                                      iobuf-files against fio (io_uring) on a 1 GiB file, both pinned
                                      to one core: IOPS, MB/s and CPU per I/O, and FileBatch against
                                      FileChannel.read (iobuf-bench/run-files.sh --help: all options)
              help                    this text

            Set IOBUF_JAVA_OPTS for JVM options (e.g. -Diobuf.memory.limit=2g).
            """;

    public static void main(String[] args) throws Exception {
        int code;
        try {
            code = run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("iobuf: " + e.getMessage());
            code = 2;
        } catch (java.io.IOException | dev.iobuf.uring.IoUringException e) {
            System.err.println("iobuf: " + e.getMessage());
            code = 1;
        }
        if (code != 0) {
            System.exit(code);
        }
    }

    static int run(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.print(USAGE);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "demo" -> rest.length > 0 && rest[0].equals("pools")
                    ? PoolDemo.run(Options.parse(Arrays.copyOfRange(rest, 1, rest.length)))
                    : EchoDemo.run(Options.parse(rest));
            case "serve" -> serve(rest);
            case "load" -> load(rest);
            case "bench" -> bench(rest);
            case "help", "-h", "--help" -> {
                System.out.print(USAGE);
                yield 0;
            }
            default -> {
                System.err.println("iobuf: unknown command '" + args[0] + "'");
                System.err.print(USAGE);
                yield 2;
            }
        };
    }

    private static int serve(String[] rest) throws Exception {
        String what = rest.length > 0 ? rest[0] : "";
        String[] opts = rest.length > 0 ? Arrays.copyOfRange(rest, 1, rest.length) : rest;
        return switch (what) {
            case "echo" -> EchoCommand.run(Options.parse(opts));
            case "http" -> HttpCommand.run(Options.parse(opts));
            default -> {
                System.err.println("iobuf serve: say 'echo' or 'http', e.g. iobuf serve echo --port 7007");
                yield 2;
            }
        };
    }

    private static int load(String[] rest) throws Exception {
        if (rest.length == 0 || !rest[0].equals("echo")) {
            System.err.println("iobuf load: only 'echo' is known, e.g. iobuf load echo --port 7007 --conns 64 --size 512 --seconds 5");
            return 2;
        }
        Options o = Options.parse(Arrays.copyOfRange(rest, 1, rest.length));
        return o.flag("udp") ? UdpLoadGenerator.run(o) : LoadGenerator.run(o);
    }

    private static int bench(String[] rest) throws Exception {
        if (rest.length > 0 && rest[0].equals("files")) {
            return benchFiles(Arrays.copyOfRange(rest, 1, rest.length));
        }
        Class<?> quick;
        try {
            quick = Class.forName("dev.iobuf.bench.QuickBench");
        } catch (ClassNotFoundException e) {
            System.err.println("iobuf: the benchmark module (iobuf-bench) is not on the class path; run ./iobuf from the repository root");
            return 2;
        }
        try {
            return (int) quick.getMethod("run", String[].class).invoke(null, (Object) rest);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }

    /**
     * {@code bench files}: runs {@code iobuf-bench/run-files.sh} (fio against iobuf-files), or the
     * iobuf side alone when fio is not installed.
     */
    private static int benchFiles(String[] args) throws Exception {
        Path script = repositoryRoot() == null ? null : repositoryRoot().resolve("iobuf-bench/run-files.sh");
        if (script == null || !Files.isRegularFile(script)) {
            System.err.println("iobuf bench files: iobuf-bench/run-files.sh not found; run ./iobuf from the repository");
            return 2;
        }
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        if (!onPath("fio") && !Arrays.asList(args).contains("--no-fio")) {
            System.out.println("fio is not installed: showing iobuf alone; iobuf-bench/run-files.sh installs it");
            cmd.add("--no-fio");
        }
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put("IOBUF_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return pb.start().waitFor();
    }

    /** The checkout this command runs from: the jar (or classes) is {@code ROOT/iobuf-cli/target/...}. */
    private static Path repositoryRoot() {
        try {
            Path here = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path target = here.getParent();
            return target == null || target.getParent() == null ? null : target.getParent().getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
