package dev.seedj.core.nn;

import java.util.List;

/**
 * What {@link StateDictLoader} did: the parameters it loaded, those the checkpoint lacked (all declared
 * optional, otherwise loading fails) and the checkpoint keys no parameter asked for (tolerated, as the
 * reference loads with {@code strict=False}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param loaded parameter names filled from the checkpoint
 * @param missingOptional optional parameter names the checkpoint did not have
 * @param unexpected checkpoint keys (under the loaded prefix) that matched no parameter
 */
public record LoadReport(List<String> loaded, List<String> missingOptional, List<String> unexpected) {
    /**
     * Copies the lists so the report stays immutable.
     *
     * @param loaded parameter names filled from the checkpoint
     * @param missingOptional optional parameter names the checkpoint did not have
     * @param unexpected checkpoint keys (under the loaded prefix) that matched no parameter
     */
    public LoadReport {
        loaded = List.copyOf(loaded);
        missingOptional = List.copyOf(missingOptional);
        unexpected = List.copyOf(unexpected);
    }
}
