package dev.iobuf.cli;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} and {@code --flag} options, with typed getters and clear errors. */
final class Options {
    private final Map<String, String> values = new HashMap<>();

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            int eq = name.indexOf('=');
            if (eq >= 0) {
                o.values.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                o.values.put(name, args[++i]);
            } else {
                o.values.put(name, "true");
            }
        }
        return o;
    }

    String string(String name, String def) {
        return values.getOrDefault(name, def);
    }

    int integer(String name, int def) {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a whole number, got '" + v + "'");
        }
    }

    double decimal(String name, double def) {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a number, got '" + v + "'");
        }
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }
}
