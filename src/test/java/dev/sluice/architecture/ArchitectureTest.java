package dev.sluice.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleNameEndingWith;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The packages follow the record's path, arrows only downward: the intake hands a record to the
 * scheduler, which matches it to routes and hands it to delivery; all of them share the vocabulary
 * in {@code pipeline} and the config model. Operations (admin API, metrics, health and drain, the
 * demo and the embedded broker) sit on top and read the stages. A failure names the class and the
 * dependency that goes the wrong way; change the design rather than add an exception here.
 *
 * <pre>
 *   api  metrics  lifecycle  demo  devkafka      operations
 *   redrive                                      dead letters read back: listed, and sent through a route again
 *   intake                                       Kafka to event, partition pauses
 *   schedule                                     admission, staging, lanes, permits
 *   route                                        which routes take an event
 *   deliver                                      attempts and retries against the Target contract
 *     deliver.http                               the HTTP target
 *   outcome                                      ack, leave unacked, nack; dead letters
 *   pipeline                                     event, signals, permit contract
 *   config                                       the config model and its sources
 * </pre>
 */
@AnalyzeClasses(packages = "dev.sluice", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final String[] OPERATIONS = {"dev.sluice.api..", "dev.sluice.metrics..", "dev.sluice.lifecycle..",
            "dev.sluice.demo..", "dev.sluice.devkafka.."};

    @ArchTest
    static final ArchRule packagesFollowThePipelineDownward = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("Operations").definedBy(OPERATIONS)
            .layer("Redrive").definedBy("dev.sluice.redrive..")
            .layer("Intake").definedBy("dev.sluice.intake..")
            .layer("Schedule").definedBy("dev.sluice.schedule..")
            .layer("Route").definedBy("dev.sluice.route..")
            .layer("Deliver").definedBy("dev.sluice.deliver..")
            .layer("Outcome").definedBy("dev.sluice.outcome..")
            .layer("Pipeline").definedBy("dev.sluice.pipeline..")
            .layer("Config").definedBy("dev.sluice.config..")
            .whereLayer("Operations").mayNotBeAccessedByAnyLayer()
            .whereLayer("Redrive").mayOnlyBeAccessedByLayers("Operations")
            .whereLayer("Intake").mayOnlyBeAccessedByLayers("Operations", "Redrive")
            .whereLayer("Schedule").mayOnlyBeAccessedByLayers("Operations", "Redrive", "Intake")
            .whereLayer("Route").mayOnlyBeAccessedByLayers("Operations", "Redrive", "Intake", "Schedule")
            .whereLayer("Deliver").mayOnlyBeAccessedByLayers("Operations", "Redrive", "Intake", "Schedule", "Route")
            .whereLayer("Outcome").mayOnlyBeAccessedByLayers("Operations", "Redrive", "Intake", "Schedule", "Route",
                    "Deliver")
            .whereLayer("Pipeline").mayOnlyBeAccessedByLayers("Operations", "Redrive", "Intake", "Schedule", "Route",
                    "Deliver", "Outcome")
            .whereLayer("Config").mayOnlyBeAccessedByLayers("Operations", "Redrive", "Intake", "Schedule", "Route",
                    "Deliver", "Outcome", "Pipeline");

    /**
     * Retries, dead letters and the rest of delivery's state machine run against the
     * {@code Target} contract: the root of {@code deliver} knows no protocol, so a Kafka, batched
     * or hedged target slots in as a bean of its own without touching them.
     */
    @ArchTest
    static final ArchRule deliveryKnowsNoProtocol = noClasses().that().resideInAPackage("dev.sluice.deliver")
            .should().dependOnClassesThat().resideInAnyPackage("dev.sluice.deliver.http..", "io.vertx.core.http..",
                    "io.vertx.mutiny.core.http..", "io.vertx.ext.web.client..")
            .because("delivery runs retries and dead letters against the Target contract, whatever the protocol");

    /**
     * Status, health, metrics and the drain read the intake and the scheduler through read-only
     * views ({@code IntakeState}, {@code AdmissionState}, {@code ScheduleState}): they cannot take a
     * permit, pause a partition or stop the intake by mistake. The drain stops the intake through
     * the {@code Stopping} signal, which the intake registers with.
     */
    @ArchTest
    static final ArchRule operationsReadTheStagesThroughViews = noClasses()
            .that().resideInAnyPackage(OPERATIONS)
            .should().dependOnClassesThat(resideInAnyPackage("dev.sluice.intake..", "dev.sluice.schedule..")
                    .and(not(simpleNameEndingWith("State"))))
            .because("operations read a stage's state, they do not hold its handles");

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("dev.sluice.(*)..").should().beFreeOfCycles();
}
