# Shared by the launchers: find a JDK >= 21 and build the project on first use.
# Sourced, not executed. Sets JAVA_HOME and JAVA; NIMBO_ROOT must be set by the caller.

nimbo_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}' | cut -d. -f1
}

# Prefer JAVA_HOME when it is new enough, else the newest JDK under /usr/lib/jvm.
nimbo_find_java() {
  local candidate major
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    major=$(nimbo_java_major "$JAVA_HOME")
    if [ "${major:-0}" -ge 21 ]; then JAVA="$JAVA_HOME/bin/java"; export JAVA_HOME; return 0; fi
  fi
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidate=${candidate%/}
    [ -x "$candidate/bin/javac" ] || continue
    major=$(nimbo_java_major "$candidate")
    if [ "${major:-0}" -ge 21 ]; then JAVA_HOME=$candidate; JAVA="$candidate/bin/java"; export JAVA_HOME; return 0; fi
  done
  echo "nimbo: no JDK 21 or newer found (set JAVA_HOME or install one under /usr/lib/jvm)" >&2
  return 1
}

# Builds the jars and their dependency folders when the module's jar is missing or any source or pom is newer
# than it, so the launchers never run stale code after an edit or a pull.
nimbo_ensure_built() {
  local module=$1 jar
  jar=$(ls "$NIMBO_ROOT/$module/target/$module-"*.jar 2>/dev/null | head -n1)
  if [ -z "$jar" ] || [ ! -d "$NIMBO_ROOT/$module/target/lib" ] \
     || [ -n "$(find "$NIMBO_ROOT" -path '*/target' -prune -o \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) -newer "$jar" -print -quit)" ]; then
    echo "nimbo: building..." >&2
    (cd "$NIMBO_ROOT" && ./mvnw -q -B -DskipTests install) >&2
    # Maven leaves a jar whose classes did not change untouched: mark it current, or every run would rebuild
    touch "$NIMBO_ROOT/$module/target/$module-"*.jar
  fi
}

nimbo_classpath() {
  local module=$1
  echo "$(ls "$NIMBO_ROOT/$module/target/$module-"*.jar | grep -v -- '-tests.jar' | head -n1):$NIMBO_ROOT/$module/target/lib/*"
}
