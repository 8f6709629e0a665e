/**
 * The config binder shared by every JSON configuration of SEED-J: {@link dev.seedj.core.config.ConfigValue}
 * reads a document into Java values and records with its JSON path, {@link dev.seedj.core.config.ConfigWriter}
 * writes records back, and {@link dev.seedj.core.config.ConfigException} is the one error type, naming the
 * file and the JSON path of the bad field.
 */
package dev.seedj.core.config;
