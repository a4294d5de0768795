package io.c254.streaming.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * One read of the gateway's {@code /metrics} (Prometheus text format): its samples by name and labels. Only
 * what the load shapes and the soak need: sums, maxima and per-label values of a metric.
 */
record MetricsScrape(List<Sample> samples) {

    record Sample(String name, Map<String, String> labels, double value) {
    }

    static MetricsScrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                Sample sample = sample(line.trim());
                if (sample != null) {
                    samples.add(sample);
                }
            }
        }
        return new MetricsScrape(List.copyOf(samples));
    }

    boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }

    double sum(String name) {
        return sum(name, labels -> true);
    }

    /** The sum over the samples of {@code name} whose labels pass; 0 when there are none. */
    double sum(String name, Predicate<Map<String, String>> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && labels.test(s.labels())).mapToDouble(Sample::value).sum();
    }

    double max(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value).max().orElse(0);
    }

    /** The values of {@code name} by one label (summed over the others), e.g. disconnects by reason. */
    Map<String, Double> byLabel(String name, String label) {
        Map<String, Double> values = new TreeMap<>();
        samples.stream().filter(s -> s.name().equals(name))
                .forEach(s -> values.merge(s.labels().getOrDefault(label, ""), s.value(), Double::sum));
        return values;
    }

    /** How much each value of {@code label} of counter {@code name} rose from this scrape to {@code later}; rises only. */
    Map<String, Long> increase(MetricsScrape later, String name, String label) {
        Map<String, Long> counts = new TreeMap<>();
        Map<String, Double> before = byLabel(name, label);
        later.byLabel(name, label).forEach((key, value) -> {
            long change = Math.round(value - before.getOrDefault(key, 0.0));
            if (change != 0) {
                counts.put(key, change);
            }
        });
        return counts;
    }

    static Predicate<Map<String, String>> label(String name, String value) {
        return labels -> value.equals(labels.get(name));
    }

    /** {@code name{k="v",...} value [timestamp]}; null for a line that is not one. */
    private static Sample sample(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        if (space < 0) {
            return null;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        String rest;
        String name;
        if (brace >= 0 && brace < space) {
            name = line.substring(0, brace);
            int end = labels(line, brace + 1, labels);
            if (end < 0) {
                return null;
            }
            rest = line.substring(end + 1).trim();
        } else {
            name = line.substring(0, space);
            rest = line.substring(space + 1).trim();
        }
        String value = rest.split("\\s+")[0];
        try {
            return new Sample(name, labels, Double.parseDouble(value.replace("+Inf", "Infinity").replace("-Inf", "-Infinity")));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Reads {@code k="v",…} from {@code from} into {@code labels}; the index of the closing brace, or -1. */
    private static int labels(String line, int from, Map<String, String> labels) {
        int i = from;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '}') {
                return i;
            }
            if (c == ',' || c == ' ') {
                i++;
                continue;
            }
            int eq = line.indexOf('=', i);
            if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                return -1;
            }
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            while (j < line.length() && line.charAt(j) != '"') {
                char v = line.charAt(j);
                if (v == '\\' && j + 1 < line.length()) {
                    char next = line.charAt(++j);
                    value.append(next == 'n' ? '\n' : next);
                } else {
                    value.append(v);
                }
                j++;
            }
            labels.put(line.substring(i, eq), value.toString());
            i = j + 1;
        }
        return -1;
    }
}
