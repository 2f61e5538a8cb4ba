/** Time for rollouts and schedules: injectable, so that tests need not sleep. */
export type Clock = () => Date
