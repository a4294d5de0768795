package io.c254.streaming.hub;

/**
 * What the fan-out tells a tracer about each batch and message it delivers. The hub defines it and
 * the tracing adapter implements it, so the hub knows no tracing SDK. {@link #NONE} is the one chosen
 * when tracing is off: every call returns a shared no-op, so an untraced batch allocates nothing.
 */
public interface DeliveryTracer {

    DeliveryTracer NONE = () -> BatchTrace.NONE;

    /** A poll batch enters the fan-out (on the ingest thread). */
    BatchTrace onBatch();

    /** The traces of one batch. Each method is called once per batch except where it says otherwise. */
    interface BatchTrace {

        BatchTrace NONE = new BatchTrace() {
            @Override
            public RecordTrace onRecord(Message message) {
                return RecordTrace.NONE;
            }

            @Override
            public void onHandOff(int eventLoops) {
            }

            @Override
            public void onWritten() {
            }
        };

        /** A message enters the fan-out (once per message, on the ingest thread, before the hand-off). */
        RecordTrace onRecord(Message message);

        /** The batch's frames are about to be handed to this many event loops; 0 when no connection matched. */
        void onHandOff(int eventLoops);

        /** One event loop has written and flushed its share of the batch, or dropped it (once per loop handed the batch). */
        void onWritten();
    }

    /** The trace of one message while the event loops match it; its methods may be called from any of them. */
    interface RecordTrace {

        RecordTrace NONE = new RecordTrace() {
            @Override
            public void onFailed(RuntimeException failure) {
            }

            @Override
            public void onMatched(int connections) {
            }
        };

        /** Matching or encoding the message failed on one loop; it reaches no one further there. Called before {@link #onMatched}. */
        void onFailed(RuntimeException failure);

        /** One event loop is done matching: this many of its connections were handed a frame of the message. Once per loop. */
        void onMatched(int connections);

        /** Runs the action (a log line about this record) with the record's trace as the logging context. */
        default void inLogContext(Runnable action) {
            action.run();
        }
    }
}
