/** Tokenizing image corpora with the SEED tokenizer on Apache Spark, into Parquet that LLM training reads. */
package dev.seedj.spark;
