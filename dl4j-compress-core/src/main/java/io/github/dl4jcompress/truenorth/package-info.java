/**
 * TrueNorth deployment model (Wen et al., DAC 2016): {@link io.github.dl4jcompress.truenorth.SynapseMapping} (weights →
 * k Bernoulli synapse copies), {@link io.github.dl4jcompress.truenorth.SpikeCoding} (values → s spikes per frame),
 * {@link io.github.dl4jcompress.truenorth.TrueNorthSimulator} (a dense or convolutional network evaluated as the chip
 * would), {@link io.github.dl4jcompress.truenorth.CoreModel} (cores of dense and convolution layers, and ticks) and
 * {@link io.github.dl4jcompress.truenorth.FullScaleClip} (keeps weights within the full scale a binary push aims at).
 */
package io.github.dl4jcompress.truenorth;
