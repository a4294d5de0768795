package io.c254.streaming.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * CPU time and resident memory of one process, read from /proc: {@code utime + stime} of
 * {@code /proc/<pid>/stat} and {@code VmRSS} of {@code /proc/<pid>/status}. Unreadable (another OS, a process
 * that is gone) means empty, never an error: the figures are then missing from the result line.
 */
final class ProcessStats {

    /**
     * USER_HZ, the unit of /proc's CPU times: 100 on every Linux architecture this runs on (the JDK cannot
     * call sysconf(_SC_CLK_TCK)).
     */
    static final long TICKS_PER_SECOND = 100;

    /** Fields 14 and 15 of /proc/<pid>/stat, counted from the first field after the command name. */
    private static final int UTIME_AFTER_COMM = 11;

    private final Path dir;

    private ProcessStats(Path dir) {
        this.dir = dir;
    }

    static ProcessStats of(long pid) {
        return new ProcessStats(Path.of("/proc", Long.toString(pid)));
    }

    static ProcessStats self() {
        return new ProcessStats(Path.of("/proc/self"));
    }

    /** User plus system CPU time so far, in clock ticks. */
    OptionalLong cpuTicks() {
        return ticks(true);
    }

    /** System (kernel) CPU time so far, in clock ticks: system calls, and on loopback the receiver's TCP work too. */
    OptionalLong systemTicks() {
        return ticks(false);
    }

    private OptionalLong ticks(boolean withUser) {
        try {
            String stat = Files.readString(dir.resolve("stat"));
            // the command name is in parentheses and may hold spaces: count fields after its closing one
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long system = Long.parseLong(fields[UTIME_AFTER_COMM + 1]);
            return OptionalLong.of(withUser ? Long.parseLong(fields[UTIME_AFTER_COMM]) + system : system);
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Resident set size in KiB. */
    OptionalLong rssKb() {
        return statusField("VmRSS:");
    }

    /** The process's threads (kernel tasks: virtual threads are not among them, their carriers are). */
    OptionalLong threads() {
        return statusField("Threads:");
    }

    /** Open file descriptors: sockets, files, pipes, epoll instances. */
    OptionalLong openFiles() {
        try (Stream<Path> fds = Files.list(dir.resolve("fd"))) {
            return OptionalLong.of(fds.count());
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** The first number of a line of {@code /proc/<pid>/status}. */
    private OptionalLong statusField(String field) {
        try {
            for (String line : Files.readAllLines(dir.resolve("status"))) {
                if (line.startsWith(field)) {
                    return OptionalLong.of(Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]));
                }
            }
            return OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
