package io.c254.streaming.auth;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;

/** A failed call to the auth service, in words an operator can act on, never "null". */
class FailureReasonTest {

    @Test
    void aRefusedConnectionSaysSoEvenWhenTheClientGaveNoMessage() {
        assertThat(FailureReason.of(new CompletionException(new ConnectException()))).isEqualTo("connection refused");
    }

    @Test
    void aTimeoutSaysSo() {
        assertThat(FailureReason.of(new IOException("wrapped", new HttpTimeoutException("request timed out")))).isEqualTo("timed out");
    }

    @Test
    void anUnknownHostIsNamed() {
        assertThat(FailureReason.of(new UnknownHostException("auth.internal"))).isEqualTo("unknown host auth.internal");
    }

    @Test
    void anythingElseGivesItsMessageOrElseItsKind() {
        assertThat(FailureReason.of(new IOException("HTTP 503"))).isEqualTo("HTTP 503");
        assertThat(FailureReason.of(new IllegalStateException())).isEqualTo("IllegalStateException");
        assertThat(FailureReason.of(new IllegalStateException(" "))).isEqualTo("IllegalStateException");
    }
}
