function addEmail(user, context, callback) {
  callback(null, user, context);
}
