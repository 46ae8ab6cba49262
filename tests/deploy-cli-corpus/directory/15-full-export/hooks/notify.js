module.exports = (user, context, cb) => {
  cb();
};
