/**
 * Per-item outcomes of batch calls: a list in, one {@link dev.seedj.core.batch.ItemResult} (a value or the
 * error of that item) out, so that one bad input never hides the results of the good ones.
 */
package dev.seedj.core.batch;
