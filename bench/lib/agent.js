// A child process that runs one side of a scenario. The parent sends {id, scenario, fn, args}; the agent calls
// scenarios/<scenario>.js agent[fn](args) and answers {id, value} or {id, error}. State lives in the scenario.
'use strict';

process.on('message', async ({ id, scenario, fn, args }) => {
  try {
    const value = await require(`../scenarios/${scenario}`).agent[fn](args);
    process.send({ id, value });
  } catch (err) {
    process.send({ id, error: { message: err.message, code: err.code, stack: err.stack } });
  }
});
process.send({ ready: true });
