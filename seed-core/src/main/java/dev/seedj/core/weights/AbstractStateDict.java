package dev.seedj.core.weights;

/**
 * Shared behaviour of every {@link StateDict} here: the prefix views.
 *
 * <p>Adds no state; thread-safety is that of the subclass.
 */
abstract class AbstractStateDict implements StateDict {

    @Override
    public StateDict withPrefix(String prefix) {
        return KeyMappedStateDict.withPrefix(this, prefix);
    }

    @Override
    public StateDict stripPrefix(String prefix) {
        return KeyMappedStateDict.stripPrefix(this, prefix);
    }
}
