package dev.iobuf.cli;

import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;

/** The {@code iobuf} command: {@code demo}, {@code bench}, {@code serve}, {@code load}. */
public final class Main {
    private Main() {
    }

    static final String USAGE = """
            usage: iobuf <command> [options]

              demo                    the main job: pools (and io_uring where built) at work, with statistics
              bench [--quick]         a side-by-side table of iobuf's pools against their peers
              help                    this text

            Set IOBUF_JAVA_OPTS for JVM options (e.g. -Diobuf.memory.limit=2g).
            """;

    public static void main(String[] args) throws Exception {
        int code = run(args);
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
            case "demo" -> PoolDemo.run(Options.parse(rest));
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

    private static int bench(String[] rest) throws Exception {
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
}
