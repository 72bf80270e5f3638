package dev.iobuf.cli;

import dev.iobuf.memory.MemoryBudget;
import org.junit.jupiter.api.Test;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Java sample of the README compiles against the library as it is, and the first one (pools
 * and native memory, which needs no file or socket) runs. A sample is compiled as the body of a
 * method whose parameters are the names the README leaves to the reader ({@code fd}, a file's
 * descriptor, and {@code socketFd}, a socket's), with the library's packages imported.
 */
class ReadmeSamplesTest {
    private static final String IMPORTS = """
            import dev.iobuf.alloc.*;
            import dev.iobuf.files.*;
            import dev.iobuf.http.*;
            import dev.iobuf.memory.*;
            import dev.iobuf.net.*;
            import dev.iobuf.net.uring.*;
            import dev.iobuf.pool.*;
            import dev.iobuf.uring.*;
            import dev.iobuf.uring.reactor.*;
            import java.lang.foreign.*;
            import java.nio.channels.FileChannel;
            import java.nio.file.Path;
            import java.nio.file.StandardOpenOption;
            import java.util.*;
            """;

    private static List<String> samples() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static String source(int i, String body) {
        return "package readme;\n" + IMPORTS + "public class Sample" + i + " {\n"
                + "    public static void run(int fd, int socketFd) throws Throwable {\n" + body + "\n    }\n}\n";
    }

    private static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    @Test
    void everyJavaSampleOfTheReadmeCompilesAndTheFirstRuns() throws Throwable {
        List<String> samples = samples();
        assertThat(samples).as("Java samples in README.md").hasSizeGreaterThanOrEqualTo(4);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Path out = Files.createTempDirectory("readme-samples");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<JavaFileObject> units = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            String src = source(i, samples.get(i));
            units.add(new SimpleJavaFileObject(URI.create("string:///readme/Sample" + i + ".java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return src;
                }
            });
        }
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, null)) {
            files.setLocation(StandardLocation.CLASS_OUTPUT, List.of(out.toFile()));
            List<File> cp = new ArrayList<>();
            for (String e : classPath().split(File.pathSeparator)) {
                cp.add(new File(e));
            }
            files.setLocation(StandardLocation.CLASS_PATH, cp);
            boolean ok = javac.getTask(null, files, diagnostics, List.of("-proc:none", "-Xlint:none"), null, units).call();
            StringBuilder errors = new StringBuilder();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    errors.append(d.getSource() == null ? "" : d.getSource().getName()).append(':')
                            .append(d.getLineNumber()).append(": ").append(d.getMessage(null)).append('\n');
                }
            }
            assertThat(errors.toString()).as("compile errors in README samples (line numbers count from the"
                    + " generated class: 14 lines before the sample)").isEmpty();
            assertThat(ok).isTrue();
        }
        long limit = MemoryBudget.limit();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader())) {
            Method run = loader.loadClass("readme.Sample0").getMethod("run", int.class, int.class);
            try {
                run.invoke(null, -1, -1);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        } finally {
            MemoryBudget.setLimit(limit); // the sample sets a limit of its own
        }
    }
}
