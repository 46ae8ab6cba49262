module.exports = {
  namespaced: (name) => `https://api.acme.test/${name}`,
};
