/**
 * Bridges to other array libraries: {@link dev.seedj.core.interop.Nd4jArrays} converts DJL arrays to and
 * from ND4J (an optional dependency).
 */
package dev.seedj.core.interop;
