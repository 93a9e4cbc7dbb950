package dev.nimbo.server.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * A test class that only talks to nimbod processes of its own (own data directory, own port, dummy drivers) and
 * changes no state of the test JVM (system properties, libvirt, network namespaces): it may run beside the other
 * test classes, which run one at a time (src/test/resources/junit-platform.properties). Halves the module's time
 * on a 2-core machine without letting two KVM, namespace or HA tests meet.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Execution(ExecutionMode.CONCURRENT)
public @interface ParallelSafe {
}
