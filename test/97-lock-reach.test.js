// lockReach(): how far locks reach. Local disks and tmpfs are 'machine' here; the mount-table rules for
// filesystems this machine does not mount (NFS, SMB, MooseFS options, FUSE kinds) are checked on real mountinfo
// lines. MooseFS itself (network) and an unknown FUSE filesystem are tested on real mounts by npm run test:cluster.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { pathToFileURL } = require('node:url');
const { tempFile } = require('./helpers');
const { lockReach } = require('..');
const { classify } = require('../dist/reach');

test('a local file is reached by this machine only, however it is named', async (t) => {
  const f = tempFile(t);
  const handle = await fs.promises.open(f.path, 'r');
  t.after(() => handle.close());
  const expected = lockReach(f.path);
  assert.strictEqual(expected.reach, 'machine');
  assert.ok(typeof expected.filesystem === 'string' && expected.filesystem.length > 0);
  for (const target of [pathToFileURL(f.path), Buffer.from(f.path), f.open('r'), handle, f.dir]) assert.deepStrictEqual(lockReach(target), expected);
  if (process.platform === 'linux') assert.deepStrictEqual(lockReach('/dev/shm'), { reach: 'machine', filesystem: 'tmpfs' });
});

test('bad targets are refused as elsewhere', async (t) => {
  const f = tempFile(t);
  assert.throws(() => lockReach(''), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => lockReach(1.5), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => lockReach(-1), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => lockReach(`${f.dir}/missing/x`), { code: 'ENOENT' });
});

test('the Linux mount-table rules', () => {
  const none = () => null;
  const cases = [
    // [fstype, source, options (mount and super), MooseFS .params, expected]
    ['ext4', '/dev/sda1', ['rw', 'relatime'], null, ['machine', 'ext4']],
    ['tmpfs', 'tmpfs', ['rw'], null, ['machine', 'tmpfs']],
    ['nfs4', 'srv:/export', ['rw', 'vers=4.2', 'local_lock=none'], null, ['network', 'nfs4']],
    ['nfs4', 'srv:/export', ['rw', 'local_lock=flock'], null, ['machine', 'nfs4']],
    ['nfs', 'srv:/export', ['rw', 'vers=3', 'local_lock=all'], null, ['machine', 'nfs']],
    ['nfs', 'srv:/export', ['rw', 'vers=3', 'nolock'], null, ['machine', 'nfs']],
    ['cifs', '//srv/share', ['rw', 'vers=3.1.1'], null, ['network', 'cifs']],
    ['cifs', '//srv/share', ['rw', 'nobrl'], null, ['machine', 'cifs']],
    ['fuse', 'mfs#10.0.0.1:9421', ['rw'], 'mfsmaster: 10.0.0.1\nmfsnobsdlocks: (not defined)\n', ['network', 'fuse.mfs']],
    ['fuse', 'mfs#10.0.0.1:9421', ['rw'], 'mfsnobsdlocks: 1\n', ['machine', 'fuse.mfs']],
    ['fuse', 'mfs#10.0.0.1:9421', ['rw'], null, ['unknown', 'fuse.mfs']],
    ['fuse.glusterfs', 'srv:/vol', ['rw'], null, ['network', 'fuse.glusterfs']],
    ['ceph', '10.0.0.1:/', ['rw'], null, ['network', 'ceph']],
    ['fuse.sshfs', 'me@host:/', ['rw'], null, ['machine', 'fuse.sshfs']],
    ['fuse.rclone', 'remote:', ['rw'], null, ['machine', 'fuse.rclone']],
    ['fuse.s3fs', 's3fs', ['rw'], null, ['machine', 'fuse.s3fs']],
    ['fuse', '/srv/src', ['rw'], null, ['unknown', 'fuse']],
    ['9p', 'share', ['rw'], null, ['unknown', '9p']],
  ];
  for (const [type, source, options, params, [reach, filesystem]] of cases) {
    assert.deepStrictEqual(classify(type, source, options, params === null ? none : () => params), { reach, filesystem }, `${type} ${source} ${options}`);
  }
});
