package io.quiesce.shell;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The headless platform's log: when bin/quiesce starts the platform in the background it passes
 * {@code -Dquiesce.log=$QUIESCE_HOME/logs/platform.log}, and this component sends the platform's standard output and
 * error (where its logger writes) to a {@link RollingLog} there: {@value #LIMIT} bytes per file, {@value #KEEP} older
 * files. What the JVM writes before (or around) this component goes to {@code logs/platform.out}.
 */
@Component(service = PlatformLog.class, immediate = true)
public class PlatformLog {
    static final long LIMIT = 4L << 20;
    static final int KEEP = 3;
    private PrintStream previousOut;
    private PrintStream previousErr;
    private RollingLog log;

    @Activate
    void activate() throws IOException {
        String file = System.getProperty("quiesce.log");
        if (file == null || file.isBlank()) {
            return; // the console or a test: leave the output where it is
        }
        log = new RollingLog(Path.of(file), LIMIT, KEEP);
        PrintStream ps = new PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8);
        previousOut = System.out;
        previousErr = System.err;
        System.setOut(ps);
        System.setErr(ps);
    }

    @Deactivate
    void deactivate() throws IOException {
        if (log != null) {
            System.setOut(previousOut);
            System.setErr(previousErr);
            log.close();
        }
    }
}
