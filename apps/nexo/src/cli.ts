console.log('nexo');
