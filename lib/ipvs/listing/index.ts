// ipvsadm's listings and the kernel's /proc/net/ip_vs* files: parsers into the model plus stats
// records, and byte-exact formatters (for the simulator). One module per format family.
export * from './common';
export * from './list';
export * from './stats';
export * from './thresholds';
export * from './conn';
export * from './misc';
export * from './proc';
