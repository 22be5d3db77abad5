package io.quiesce.backend.userspace.image;

import java.util.List;

/**
 * Everything saved about one process, written as {@code process-PID.json}; its pages are in {@link #pagesFile}.
 *
 * @param magic         always {@link ImageFiles#PROCESS_MAGIC}
 * @param formatVersion {@link ImageFiles#VERSION}
 * @param pid           PID at checkpoint time
 * @param ppid          parent PID at checkpoint time
 * @param comm          its name
 * @param argv          its command line
 * @param exe           /proc/PID/exe at checkpoint time
 * @param cwd           working directory
 * @param umask         file-creation mask
 * @param threads       its threads, main thread first (one in this version)
 * @param mm            address-space bookkeeping
 * @param vmas          mappings in address order
 * @param pagesFile     the pages file, relative to the image folder
 * @param pagesBytes    its expected size
 * @param fds           descriptors
 * @param sigactions    signal dispositions that are not SIG_DFL
 * @param nsPid         its PID inside the job's PID namespace (jobs launched under quiesce-init), else 0
 * @param pendingSignals signals queued but not delivered, oldest first (null in older images: none)
 * @param rlimits       resource limits (null in older images: left as the restore stub has them)
 */
public record ProcessImage(String magic, int formatVersion, long pid, long ppid, String comm, List<String> argv, String exe,
        String cwd, int umask, List<ThreadImage> threads, MmImage mm, List<VmaImage> vmas, String pagesFile, long pagesBytes,
        List<FdImage> fds, List<SigactionImage> sigactions, long nsPid, List<PendingSignalImage> pendingSignals,
        List<RlimitImage> rlimits) {
}
