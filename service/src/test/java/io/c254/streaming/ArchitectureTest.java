package io.c254.streaming;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * Keeps DESIGN.md's arrows honest: transport → session → hub ← ingest; config and registry are leaves;
 * only app wires everything. Data flows one way, so nothing below may reach up.
 */
class ArchitectureTest {

    private static final String ROOT = "io.c254.streaming.";
    private static JavaClasses classes;

    @BeforeAll
    static void importProductionClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.c254.streaming");
    }

    private static String[] packages(String... names) {
        return java.util.Arrays.stream(names).map(name -> ROOT + name + "..").toArray(String[]::new);
    }

    @Test
    void hubKnowsNothingOfItsSourcesOrItsClients() {
        noClasses().that().resideInAPackage(ROOT + "hub..")
                .should().dependOnClassesThat().resideInAnyPackage(packages("ingest", "session", "auth", "transport", "http", "app", "config"))
                .check(classes);
    }

    @Test
    void ingestFeedsTheHubOnlyAndNeverTouchesConnections() {
        noClasses().that().resideInAPackage(ROOT + "ingest..")
                .should().dependOnClassesThat().resideInAnyPackage(packages("session", "auth", "transport", "http", "app"))
                .check(classes);
    }

    @Test
    void sessionsDoNotKnowTheTransports() {
        noClasses().that().resideInAnyPackage(packages("session", "auth"))
                .should().dependOnClassesThat().resideInAnyPackage(packages("transport", "http", "app", "ingest"))
                .check(classes);
    }

    @Test
    void transportsDoNotReachKafkaOrTheServerAbove() {
        noClasses().that().resideInAPackage(ROOT + "transport..")
                .should().dependOnClassesThat().resideInAnyPackage(packages("ingest", "http", "app"))
                .check(classes);
        noClasses().that().resideInAPackage(ROOT + "transport..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.kafka..")
                .check(classes);
    }

    @Test
    void transportsReachTokensOnlyThroughTheSessions() {
        // admission, refresh and the control calls' owner checks are the session layer's: one ordered path per connection
        noClasses().that().resideInAPackage(ROOT + "transport..")
                .should().dependOnClassesThat().resideInAnyPackage(packages("auth", "entitlements"))
                .check(classes);
    }

    @Test
    void configAndRegistryAreLeaves() {
        noClasses().that().resideInAnyPackage(packages("config", "registry"))
                .should().dependOnClassesThat().resideInAnyPackage(packages("hub", "ingest", "session", "auth", "transport", "http", "app"))
                .check(classes);
    }

    @Test
    void metricsIsALeafEveryoneMayUse() {
        noClasses().that().resideInAPackage(ROOT + "metrics..")
                .should().dependOnClassesThat().resideInAnyPackage(packages("hub", "ingest", "session", "auth", "entitlements", "transport", "http", "app"))
                .check(classes);
    }

    @Test
    void tracingIsAnAdapterThatHubAndIngestDoNotKnow() {
        // hub and ingest define the interfaces (DeliveryTracer, ProducerSpans); tracing implements them with OpenTelemetry
        noClasses().that().resideInAnyPackage(packages("hub", "ingest"))
                .should().dependOnClassesThat().resideInAPackage(ROOT + "tracing..")
                .check(classes);
        noClasses().that().resideInAPackage(ROOT + "tracing..")
                .should().dependOnClassesThat().resideInAnyPackage(packages("session", "auth", "transport", "http", "app"))
                .check(classes);
    }

    @Test
    void onlyAppWiresTheService() {
        noClasses().that().resideOutsideOfPackage(ROOT + "app..")
                .should().dependOnClassesThat().resideInAPackage(ROOT + "app..")
                .check(classes);
    }
}
