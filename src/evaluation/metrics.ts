/** Task metrics of an evaluation: one entry point over classification and regression. */
export { classificationMetrics, logLoss, rocAucBinary, type ClassificationInput, type ClassificationMetrics, type ClassLabel, type ClassMetrics } from './metrics-classification.ts';
export { regressionMetrics, type RegressionMetrics } from './metrics-regression.ts';
