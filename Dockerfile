# The production image of the streaming gateway: built with Maven on a JDK 21, run on a JRE 21 as a
# non-root user. No Docker engine runs where this project is developed: see README.md "Deployment" for
# what has been checked and how.
#
#   docker build --build-arg GIT_COMMIT=$(git rev-parse --short HEAD) -t streaming-service .
#   docker run -p 8001:8001 -e ACCESS_KAFKA_BOOTSTRAP=kafka:9092 -e ACCESS_JWT_SECRET=... streaming-service

FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /build
# The poms alone, built once without sources: every dependency and plugin is downloaded into a layer
# that is reused until a pom changes. (dependency:go-offline cannot do this: it fails on Netty's optional
# native artifacts.) Every module's pom is needed, since the reactor reads them all.
COPY pom.xml ./
COPY embedded-kafka/pom.xml embedded-kafka/
COPY service/pom.xml service/
COPY dev/pom.xml dev/
COPY bench/pom.xml bench/
RUN mvn -B -ntp -q -DskipTests package -pl service -am && rm -rf embedded-kafka/target service/target
COPY embedded-kafka/src embedded-kafka/src
COPY service/src service/src
# the JavaScript client, which the jar serves to the web console as it is published
COPY clients/js/streaming-client.js clients/js/
# The build context has no .git (.dockerignore), so the commit that /health reports comes from here;
# without it, /health says "unknown".
ARG GIT_COMMIT
RUN mvn -B -ntp -DskipTests package -pl service -am ${GIT_COMMIT:+-Dgit.commit.id.abbrev=$GIT_COMMIT}

FROM eclipse-temurin:21-jre
# A numeric uid, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd
RUN groupadd --system --gid 10001 streaming \
 && useradd --system --uid 10001 --gid streaming --home-dir /app --shell /usr/sbin/nologin streaming
WORKDIR /app
# the jar's manifest puts lib/*.jar on the class path, relative to the jar; both stay owned by root
COPY --from=build /build/service/target/lib/ lib/
COPY --from=build /build/service/target/streaming-service-1.0.0.jar ./
USER 10001:10001
ENV ACCESS_ENV=production
EXPOSE 8001
# Liveness only: a Kafka outage must not make the orchestrator replace healthy processes. bash's
# /dev/tcp needs no curl or wget, which a JRE base image does not promise to ship.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${ACCESS_PORT:-8001} && printf 'GET /health/live HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# Netty's buffers live in direct memory, which the JVM caps at the heap size by default: 40% of the
# container's memory for each leaves room for metaspace and thread stacks. JAVA_TOOL_OPTIONS adds more.
# Serial GC with a fixed 32 MB young generation: the live set is small (about 4 KiB per connection) and
# nearly everything else dies young, so young collections take milliseconds, the collector costs no
# concurrent threads or barriers on a 1-2 core instance, and resident memory follows the connections
# instead of the heap's growth (README "Performance"; BENCHMARKS.md).
# Exec form: java is PID 1 and receives SIGTERM itself, so the shutdown hook closes clients with 1001.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=40", "-XX:+UseSerialGC", "-Xmn32m", "-jar", "/app/streaming-service-1.0.0.jar"]
