package io.c254.streaming.bench;

/** Where records are published: Kafka for the gateway, Nchan's publisher endpoint for Nchan. */
interface Publisher extends AutoCloseable {

    static Publisher open(Options options) {
        return switch (options.peer()) {
            case GATEWAY -> KafkaPublisher.open(options.bootstrap(), options.topic());
            case NCHAN -> NchanPublisher.open(options.urlHost(), options.port(), options.nchanChannel());
        };
    }

    /** Sends without waiting for the answer; a send that fails later is counted in {@link #failures()}. */
    void publish(int instrument, byte[] record);

    long failures();

    /** Waits, bounded, for the sends still under way, then lets go of the connection. */
    @Override
    void close();
}
