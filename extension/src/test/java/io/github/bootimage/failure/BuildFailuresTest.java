package io.github.bootimage.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;

import org.junit.jupiter.api.Test;

import io.github.bootimage.ImageBuildException;

/** The build failures {@link Failures} builds (reading an mkosi project, checking its repositories), whole. */
class BuildFailuresTest {
    @Test
    void mkosiSummaryFailuresNameTheProjectAndTheCommand() {
        assertEquals("mkosi took over 2 minutes to read the configuration /p and was stopped\ncommand: mkosi summary",
                Failures.mkosiSummaryFailed("/p", Failures.MkosiSummaryProblem.TIMED_OUT, null, "mkosi summary", null)
                        .getMessage());
        IllegalStateException bad = new IllegalStateException("no Distribution");
        ImageBuildException unreadable = Failures.mkosiSummaryFailed("/p", Failures.MkosiSummaryProblem.UNREADABLE,
                bad.getMessage(), "mkosi summary", bad);
        assertEquals("Could not read mkosi's summary of /p (no Distribution)\ncommand: mkosi summary", unreadable.getMessage());
        assertSame(bad, unreadable.getCause());
        assertEquals("Could not run mkosi to read the configuration /p: error=2, No such file or directory\ncommand: mkosi"
                + " summary", Failures.mkosiSummaryFailed("/p", Failures.MkosiSummaryProblem.NOT_RUNNABLE,
                "error=2, No such file or directory", "mkosi summary", null).getMessage());
    }

    @Test
    void anUnwritableCacheNamesTheSettingThatMovesIt() {
        IOException e = new IOException("Read-only file system");
        ImageBuildException x = Failures.cacheNotWritable("/c/projects/a.properties", e.getMessage(), e);
        assertEquals("Could not write /c/projects/a.properties in the image cache: Read-only file system. Set"
                + " bootimage.cache.dir to a writable directory.", x.getMessage());
        assertSame(e, x.getCause());
    }

    @Test
    void repositoryFailuresNameTheRepositoryTheFileAndTheFix() {
        ImageBuildException s = Failures.repositoryStatus("web", "/p/web.repo", 404, "http://h/r/repodata/repomd.xml");
        assertEquals("The repository 'web' in /p/web.repo answers HTTP 404 for its metadata http://h/r/repodata/repomd.xml:"
                + " baseurl= must name the directory that holds repodata/ (createrepo_c makes it). Fix baseurl= in"
                + " /p/web.repo, or the server.", s.getMessage());
        assertNull(s.getCause());
        InterruptedException i = new InterruptedException();
        ImageBuildException x = Failures.repositoryCheckInterrupted("http://h/r", i);
        assertEquals("Interrupted while checking the repository http://h/r", x.getMessage());
        assertSame(i, x.getCause());
    }
}
