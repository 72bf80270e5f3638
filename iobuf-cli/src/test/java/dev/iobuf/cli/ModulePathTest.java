package dev.iobuf.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library on the module path, as a JPMS application uses it: {@code iobuf demo} runs as module
 * {@code dev.iobuf.cli} in a fresh JVM whose module path holds only iobuf's modules (core, uring,
 * net and http, all resolved), so every {@code requires}, every export and the qualified export of
 * {@code dev.iobuf.internal} (to iobuf's own modules only) are enforced by the module system
 * instead of the class path's anything-goes.
 */
@Timeout(120)
class ModulePathTest {
    private static final List<String> MODULES = List.of("iobuf-core", "iobuf-uring", "iobuf-net", "iobuf-http");

    /** iobuf's library modules as built by this reactor (jars or class directories), then this module's classes. */
    private static String modulePath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        List<String> path = new ArrayList<>();
        for (String entry : cp.split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            boolean libraryJar = MODULES.stream().anyMatch(m -> name.equals(m + "-0.1.0-SNAPSHOT.jar"));
            boolean libraryClasses = name.equals("classes")
                    && MODULES.stream().anyMatch(m -> Path.of(entry).getParent().getParent().getFileName().toString().equals(m));
            if (libraryJar || libraryClasses) {
                path.add(entry);
            }
        }
        assertThat(path).as("iobuf's modules on the test class path: " + cp).hasSize(MODULES.size());
        path.add(Path.of("target", "classes").toAbsolutePath().toString());
        return String.join(File.pathSeparator, path);
    }

    private static String run(String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--module-path", modulePath(),
                "--enable-native-access=dev.iobuf.core,dev.iobuf.uring,dev.iobuf.net,dev.iobuf.cli",
                "-m", "dev.iobuf.cli/dev.iobuf.cli.Main"));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile("module-path", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(90, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(done).as("finished in time; output:\n" + out).isTrue();
        assertThat(p.exitValue()).as("exit code; output:\n" + out).isZero();
        return out;
    }

    @Test
    void theDemoRunsOnTheModulePath() throws Exception {
        String out = run("demo", "--seconds", "1", "--conns", "8");
        assertThat(out).contains("every buffer back in its pool: yes");
        assertThat(out).doesNotContain("IllegalAccess").doesNotContain("not export");
    }
}
