// A CommonJS module: the launcher finds `mailer` on its module.exports.
const { createService } = require('../../src/index.ts');

const say = (line) => process.stdout.write(`${line}\n`);

module.exports = {
  mailer: createService({
    id: 'mailer',
    pause: 60_000,
    onStart: () => say('mailer: started'),
    onStop: () => say('mailer: stopped'),
    iterate() {},
  }),
};
