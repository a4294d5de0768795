package io.c254.streaming.bench;

import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * CPU time of the server and of the generator itself over the measured window, sampled by the publishing
 * thread at the window's scheduled start and end.
 */
final class WindowSampler implements PublishSchedule.Window {

    private final ProcessStats server;
    private final ProcessStats self = ProcessStats.self();
    private long startNanos;
    private long endNanos;
    private OptionalLong serverStart = OptionalLong.empty();
    private OptionalLong serverEnd = OptionalLong.empty();
    private OptionalLong serverSystemStart = OptionalLong.empty();
    private OptionalLong serverSystemEnd = OptionalLong.empty();
    private OptionalLong selfStart = OptionalLong.empty();
    private OptionalLong selfEnd = OptionalLong.empty();

    /** @param server null when no server process is sampled */
    WindowSampler(ProcessStats server) {
        this.server = server;
    }

    @Override
    public void onStart() {
        startNanos = System.nanoTime();
        serverStart = server == null ? OptionalLong.empty() : server.cpuTicks();
        serverSystemStart = server == null ? OptionalLong.empty() : server.systemTicks();
        selfStart = self.cpuTicks();
    }

    @Override
    public void onEnd() {
        endNanos = System.nanoTime();
        serverEnd = server == null ? OptionalLong.empty() : server.cpuTicks();
        serverSystemEnd = server == null ? OptionalLong.empty() : server.systemTicks();
        selfEnd = self.cpuTicks();
    }

    /** Server CPU over the window, in microseconds. */
    OptionalLong serverCpuMicros() {
        return cpuMicros(serverStart, serverEnd);
    }

    /** Server CPU as a percentage of one core over the window. */
    OptionalDouble serverCpuPercent() {
        return percent(serverCpuMicros());
    }

    /** The server's kernel share of that CPU, as a percentage of one core. */
    OptionalDouble serverSystemCpuPercent() {
        return percent(cpuMicros(serverSystemStart, serverSystemEnd));
    }

    OptionalDouble generatorCpuPercent() {
        return percent(cpuMicros(selfStart, selfEnd));
    }

    private OptionalDouble percent(OptionalLong cpuMicros) {
        long wallMicros = (endNanos - startNanos) / 1_000;
        if (cpuMicros.isEmpty() || wallMicros <= 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(100.0 * cpuMicros.getAsLong() / wallMicros);
    }

    private static OptionalLong cpuMicros(OptionalLong start, OptionalLong end) {
        if (start.isEmpty() || end.isEmpty()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of((end.getAsLong() - start.getAsLong()) * 1_000_000 / ProcessStats.TICKS_PER_SECOND);
    }
}
