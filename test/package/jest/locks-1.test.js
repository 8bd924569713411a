// One of three Jest test files that load the installed package in one Jest process (see contended.js).
require('./contended')(1);
