package dev.iobuf.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./iobuf bench}: a short JMH run of {@link PoolBench} printed as one table, iobuf first
 * and each peer as a ratio of iobuf's throughput. Short runs are noisy; BENCHMARKS.md has the
 * full runs.
 */
public final class QuickBench {
    private QuickBench() {
    }

    public static int run(String[] args) throws Exception {
        List<Integer> threads = new ArrayList<>(List.of(1));
        double seconds = 0.5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> {
                    threads.clear();
                    for (String t : args[++i].split(",")) {
                        threads.add(Integer.parseInt(t.trim()));
                    }
                }
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                default -> {
                    System.err.println("iobuf bench: unknown option " + args[i]
                            + " (options: --threads 1,2,4  --seconds 0.5)");
                    return 2;
                }
            }
        }
        System.out.println("iobuf bench: acquire+release of one 2 KiB buffer (or pooled index) per op, "
                + "JMH, short run (see BENCHMARKS.md for full runs)");
        Map<Integer, Map<String, Double>> table = new LinkedHashMap<>();
        for (int t : threads) {
            System.out.printf("running %d thread(s)...%n", t);
            ChainedOptionsBuilder o = new OptionsBuilder()
                    .include(PoolBench.class.getName())
                    .threads(t)
                    .forks(1)
                    .warmupIterations(2).warmupTime(TimeValue.milliseconds((long) (seconds * 1000)))
                    .measurementIterations(3).measurementTime(TimeValue.milliseconds((long) (seconds * 1000)))
                    .verbosity(VerboseMode.SILENT);
            Collection<RunResult> results = new Runner(o.build()).run();
            Map<String, Double> row = new LinkedHashMap<>();
            for (RunResult r : results) {
                String name = r.getParams().getBenchmark();
                row.put(name.substring(name.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
            }
            table.put(t, row);
        }
        for (Map.Entry<Integer, Map<String, Double>> e : table.entrySet()) {
            Map<String, Double> row = e.getValue();
            double iobuf = row.getOrDefault("iobufBufferPool", Double.NaN);
            System.out.printf("%n%d thread(s)%n%-28s %14s %16s%n", e.getKey(), "implementation", "ops/us", "iobuf is x faster");
            row.entrySet().stream()
                    .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                    .forEach(x -> System.out.printf("%-28s %14.1f %16.2f%n", x.getKey(), x.getValue(), iobuf / x.getValue()));
        }
        return 0;
    }
}
