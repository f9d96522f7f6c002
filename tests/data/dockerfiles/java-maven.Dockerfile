FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /workspace
COPY pom.xml .
RUN --mount=type=cache,target=/root/.m2 mvn -B -q dependency:go-offline
COPY src ./src
RUN --mount=type=cache,target=/root/.m2 mvn -B -q package -DskipTests

FROM eclipse-temurin:21-jre-jammy
ARG JAR=/workspace/target/ledger-0.3.1.jar
COPY --from=build ${JAR} /opt/ledger/app.jar
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080 8081/tcp
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /opt/ledger/app.jar"]
